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

/** The control plane's actions for `target`. */
export function controlPlaneActions(target: ClientTarget): SourceActions {
  return {
    kill: (key, args) => client.kill(target, key, args),
    rollback: (key, args) => client.rollback(target, key, args),
    createChangeRequest: (key, input) => client.createChangeRequest(target, key, input),
    approveChangeRequest: (key, args) => client.approveChangeRequest(target, key, args),
    rejectChangeRequest: (key, args) => client.rejectChangeRequest(target, key, args),
    issueBreakGlass: (key, input) => client.issueBreakGlass(target, key, input),
    transitionIncident: (key, to, args) => client.transitionIncident(target, key, to, args),
  };
}

/** How to mirror one control plane: the sync engine's options, and for `once` how to answer a first-use key prompt. */
export interface ControlPlaneSourceOptions {
  sync: SyncOptions;
  onKeyPrompt?: (vkey: string, fingerprint: string) => boolean;
}

/** A control plane as a LedgerSource. */
export function controlPlaneSource(opts: ControlPlaneSourceOptions): LedgerSource {
  const { profile } = opts.sync;
  return {
    kind: 'control-plane',
    url: profile.url,
    launchTrust: () => ({ origin: profile.origin, keys: trustedKeysOf(sha256, profile.keys) }),
    follow: (opened) => startSync(opened ? { ...opts.sync, replica: opened } : opts.sync),
    once: () => syncOnce({ ...opts.sync, onKeyPrompt: opts.onKeyPrompt }),
    actions: controlPlaneActions({ url: profile.url, token: profile.token }),
    provenance: () => ({ kind: 'signed-upstream' }),
    upstreamAlerts: () => [],
    identity: () => controlPlaneIdentity({ url: profile.url, token: profile.token }),
    probe: () => probeControlPlane({ url: profile.url, token: profile.token }),
    startMetrics: (store, log, fleet) =>
      startMetricsSync({ target: { baseUrl: profile.url, token: profile.token }, store, log, fleet }),
    fleetApplied: (environment, idx) =>
      client.fleetApplied({ url: profile.url, token: profile.token }, environment, idx),
    flagTelemetry: (flags, environment, fromMs, toMs) =>
      fetchFlagTelemetry({ baseUrl: profile.url, token: profile.token }, flags, environment, fromMs, toMs),
  };
}
