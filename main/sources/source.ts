/**
 * Where a profile's ledger comes from. Two kinds exist: a Tombstone control plane (it signs its own checkpoints; the
 * console mirrors them over SSE) and an Unleash instance (the console polls its event log and seals the mirror with a
 * local key). Everything that differs between them lives behind this interface, one implementation per kind
 * (control-plane.ts, unleash/source.ts); the replica, verification, read models, correlation, the round trip of actions
 * and the UI only ever see a `LedgerSource`.
 */
import type {
  BreakGlassInput,
  BreakGlassToken,
  ChangeRequestInput,
  ControlPlaneStatus,
  Evidence,
  Identity,
  VerificationStatus,
} from '../../shared/ipc/contract.ts';
import type { ErrorRateSample } from '../../shared/correlate/index.ts';
import type { TrustedKey } from '../../shared/ledger/index.ts';
import type { ActionResult } from '../actions/client.ts';
import type { Replica } from '../ledger/replica.ts';
import type { OnceResult, SyncHandle } from '../sync/engine.ts';
import type { MetricsStore } from '../sync/metrics-store.ts';
import type { FleetSink, MetricsSync } from '../sync/metrics-sync.ts';
import type { FleetAppliedReport } from '../../shared/protocol/fleet.ts';

/** The kinds of source. */
export type SourceKind = 'control-plane' | 'unleash';

/** What verifying the replica proves, for the badge. */
export type Provenance =
  /** Checkpoints signed by the control plane: the whole history is provable. */
  | { kind: 'signed-upstream' }
  /** Checkpoints signed by the console's own key: provable since `since` (null before the first seal). */
  | { kind: 'sealed-locally'; since: string | null; notice: string };

/** The actions a source can carry out; each resolves to how to find the resulting entry (for the round trip). */
export interface SourceActions {
  kill(
    key: string,
    args: { flag: string; env: string; reason: string; breakGlassToken?: string },
  ): Promise<ActionResult>;
  rollback(key: string, args: { idx: number; reason: string; breakGlassToken?: string }): Promise<ActionResult>;
  createChangeRequest(key: string, input: ChangeRequestInput): Promise<ActionResult>;
  approveChangeRequest(key: string, args: { id: string; payloadHash: string }): Promise<ActionResult>;
  rejectChangeRequest(key: string, args: { id: string; reason: string }): Promise<ActionResult>;
  issueBreakGlass(key: string, input: BreakGlassInput): Promise<BreakGlassToken>;
  /** Acknowledges or resolves an incident (an entry in the ledger). */
  transitionIncident(
    key: string,
    to: 'acknowledge' | 'resolve',
    args: { id: string; note?: string },
  ): Promise<ActionResult>;
}

/** A source bound to one replica file. */
export interface LedgerSource {
  readonly kind: SourceKind;
  /** The upstream's base URL. */
  readonly url: string;
  /**
   * The log origin and keys the launch check verifies an existing replica with, before anything is appended to it
   * (origin null: no replica yet, nothing to check).
   */
  launchTrust(): { origin: string | null; keys: TrustedKey[] };
  /** Mirrors upstream into the replica until stopped (into `opened` when the caller already opened and checked it). */
  follow(opened?: Replica | null): SyncHandle;
  /** Catches up with upstream once and returns. */
  once(): Promise<OnceResult>;
  readonly actions: SourceActions;
  /** What verification of this replica proves. */
  provenance(): Provenance;
  /** Alerts about upstream itself (an Unleash history rewritten after it was mirrored), oldest first. */
  upstreamAlerts(): Evidence[];
  /** Who the token acts as upstream (null when unknown or refused). */
  identity(): Promise<Identity | null>;
  /** Whether upstream answers, and how fast (the top bar's connection indicator). */
  probe(): Promise<ControlPlaneStatus>;
  /** Service metrics for the charts and the ranking (a source without any keeps none). */
  startMetrics(store: MetricsStore, log: (code: string, message: string) => void, fleet?: FleetSink): MetricsSync;
  /** Which SDK instances of `environment` applied the entry `idx` (absent: this source has no SDK fleet). */
  fleetApplied?(environment: string, idx: number): Promise<FleetAppliedReport>;
  /** Per-flag error-rate evidence around an incident (empty when upstream has none). */
  flagTelemetry(
    flags: readonly string[],
    environment: string,
    fromMs: number,
    toMs: number,
  ): Promise<Record<string, ErrorRateSample[]>>;
}

/** The badge's status with what the source adds: the sealing notice, and an upstream alert when nothing else alerts. */
export function withSource(status: VerificationStatus, source: LedgerSource): VerificationStatus {
  const p = source.provenance();
  const upstream = source.upstreamAlerts();
  return {
    ...status,
    alert: status.alert ?? upstream[upstream.length - 1] ?? null,
    ...(p.kind === 'sealed-locally' ? { sealedLocally: { since: p.since, notice: p.notice } } : {}),
  };
}
