/**
 * The Tombstone control plane as a source: its signed ledger mirrored by the sync engine (main/sync), its actions
 * through the control-plane client (main/actions). Nothing here is new behaviour; it is the one place where a profile
 * that names a control plane is turned into a LedgerSource.
 */
import * as client from '../actions/client.ts';
import type { Identity } from '../../shared/ipc/contract.ts';
import { callApi, type ClientTarget } from '../actions/http.ts';
import { sha256 } from '../ledger/node-crypto.ts';
import { trustedKeysOf } from '../profiles/tofu.ts';
import { probeControlPlane } from '../connection/probe.ts';
import { fetchFlagTelemetry } from '../correlate/flag-telemetry.ts';
import { startSync, syncOnce, type SyncOptions } from '../sync/engine.ts';
import type { SyncTarget } from '../sync/http.ts';
import { instanceRingOf } from '../sync/engine-parts.ts';
import { startMetricsSync } from '../sync/metrics-sync.ts';
import type { LedgerSource, SourceActions } from './source.ts';

const roles = new Set(['viewer', 'responder', 'approver', 'admin']);

/** Who the token belongs to on the control plane (`/api/v1/me`), or null. */
async function controlPlaneIdentity(target: ClientTarget): Promise<Identity | null> {
  const body = await callApi(target, { method: 'GET', path: '/api/v1/me', timeoutMs: 3000 }).catch(() => null);
  if (typeof body !== 'object' || body === null) return null;
  const { name, role } = body as Record<string, unknown>;
  return typeof name === 'string' && typeof role === 'string' && roles.has(role)
    ? { name, role: role as Identity['role'] }
    : null;
}

/**
 * The control plane's actions for `target`. Each action is sent to one instance, the one `target()` names when it
 * starts (a rollback's link and its application go to the same instance); a failed action is reported, never resent
 * to another instance by the console (the user's retry carries a fresh idempotency key of its own).
 */
export function controlPlaneActions(target: ClientTarget | (() => ClientTarget)): SourceActions {
  const t = typeof target === 'function' ? target : () => target;
  return {
    kill: (key, args) => client.kill(t(), key, args),
    rollback: (key, args) => client.rollback(t(), key, args),
    createChangeRequest: (key, input) => client.createChangeRequest(t(), key, input),
    approveChangeRequest: (key, args) => client.approveChangeRequest(t(), key, args),
    rejectChangeRequest: (key, args) => client.rejectChangeRequest(t(), key, args),
    issueBreakGlass: (key, input) => client.issueBreakGlass(t(), key, input),
    transitionIncident: (key, to, args) => client.transitionIncident(t(), key, to, args),
  };
}

/** How to mirror one control plane: the sync engine's options, and for `once` how to answer a first-use key prompt. */
export interface ControlPlaneSourceOptions {
  sync: SyncOptions;
  onKeyPrompt?: (vkey: string, fingerprint: string) => boolean;
}

/**
 * A control plane as a LedgerSource. A profile listing several instance URLs shares one InstanceRing between the
 * sync engine (which moves along it on failures) and everything else that calls the control plane — actions,
 * identity, probe, metrics, fleet and telemetry requests all go to the instance the ledger is synced from.
 */
export function controlPlaneSource(opts: ControlPlaneSourceOptions): LedgerSource {
  const { profile } = opts.sync;
  const ring = opts.sync.instances ?? instanceRingOf(profile, opts.sync.backoff, opts.sync.random);
  const sync: SyncOptions = { ...opts.sync, instances: ring };
  const client_ = (): ClientTarget => ({ url: ring.current, token: profile.token });
  const syncTarget = (): SyncTarget => ({ baseUrl: ring.current, token: profile.token });
  return {
    kind: 'control-plane',
    url: profile.url,
    launchTrust: () => ({ origin: profile.origin, keys: trustedKeysOf(sha256, profile.keys) }),
    follow: (opened) => startSync(opened ? { ...sync, replica: opened } : sync),
    once: () => syncOnce({ ...sync, onKeyPrompt: opts.onKeyPrompt }),
    actions: controlPlaneActions(client_),
    provenance: () => ({ kind: 'signed-upstream' }),
    upstreamAlerts: () => [],
    identity: () => controlPlaneIdentity(client_()),
    probe: () => probeControlPlane(client_()),
    // The metrics stream reads the instance on each (re)connection, so it follows the ledger sync's failovers.
    startMetrics: (store, log, fleet) =>
      startMetricsSync({
        target: {
          get baseUrl() {
            return ring.current;
          },
          token: profile.token,
        },
        store,
        log,
        fleet,
      }),
    fleetApplied: (environment, idx) => client.fleetApplied(client_(), environment, idx),
    flagTelemetry: (flags, environment, fromMs, toMs) =>
      fetchFlagTelemetry(syncTarget(), flags, environment, fromMs, toMs),
  };
}
