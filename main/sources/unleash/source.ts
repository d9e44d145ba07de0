/**
 * An Unleash instance as a LedgerSource: the sealed mirror of its event log (engine.ts), the seal key it is verified
 * with (seal-key.ts), its actions through the admin API (actions.ts), and the provenance the badge shows — sealed
 * locally since the first seal, so Unleash's history before that is copied, not proved.
 */
import { existsSync } from 'node:fs';
import type { ControlPlaneStatus, Identity } from '../../../shared/ipc/contract.ts';
import type { TrustedKey } from '../../../shared/ledger/index.ts';
import type { MetricsSync } from '../../sync/metrics-sync.ts';
import { AppError } from '../../ipc/app-error.ts';
import type { HighWaterMarkStore } from '../../ledger/high-water-mark.ts';
import { isEmptyReplica, openReplicaDatabase } from '../../ledger/replica-db.ts';
import { Replica } from '../../ledger/replica.ts';
import type { BackoffPolicy } from '../../sync/backoff.ts';
import type { SyncLog } from '../../sync/errors.ts';
import type { SyncEmitter } from '../../sync/events.ts';
import { Store } from '../../ledger/store.ts';
import type { LedgerSource, Provenance } from '../source.ts';
import { unleashActions } from './actions.ts';
import { normalizeUnleashUrl, UnleashClient } from './client.ts';
import { startUnleashSync, unleashSyncOnce, type UnleashSyncHandle, type UnleashSyncOptions } from './engine.ts';
import type { UpstreamRewriteAlert } from './rewrite.ts';
import { readMirrorInfo, unleashOrigin, type SealedReplica } from './sealed-replica.ts';
import { sealSigner, sealTrustedKey, type SealKeyStore } from './seal-key.ts';

/** How to mirror one Unleash into one replica file. */
export interface UnleashSourceOptions {
  url: string;
  token: string | null;
  replicaPath: string;
  /** The replica's external high-water mark (default: `<replica>.hwm`, plain). */
  highWaterMark?: () => HighWaterMarkStore;
  /** Where the seal key is kept. */
  keyStore: SealKeyStore;
  /** How to open the replica (default: Replica.open at replicaPath with highWaterMark). */
  open?: (init: { origin: string; trustedKeys: TrustedKey[] }) => Replica;
  log?: SyncLog;
  emitter?: SyncEmitter;
  intervalMs?: number;
  pageSize?: number;
  rereadEvery?: number;
  backoff?: BackoffPolicy;
  offlineAfterAttempts?: number;
  timeoutMs?: number;
  attempts?: number;
  onAlert?: (a: UpstreamRewriteAlert) => void;
}

/** An Unleash source; `sealed()` is the open mirror while it follows. */
export interface UnleashSource extends LedgerSource {
  readonly kind: 'unleash';
  sealed(): SealedReplica | null;
}

/** The sentence the badge shows for a replica sealed locally. */
export function sealedNotice(since: string | null): string {
  return since === null
    ? "not sealed yet — Unleash's history is proved only from the first sync on"
    : `sealed locally since ${since} — Unleash's history before that is not provable`;
}

/** True when the file holds no replica yet (absent, zero bytes, or created by a run killed before its first write). */
function replicaIsNew(path: string): boolean {
  if (!existsSync(path)) return true;
  const db = openReplicaDatabase(path, true);
  try {
    return isEmptyReplica(db) || new Store(db).state() === null;
  } finally {
    db.close();
  }
}

/** When the replica file was first sealed (null for a new one). */
export function sealedSinceOf(path: string): string | null {
  if (replicaIsNew(path)) return null;
  const db = openReplicaDatabase(path, true);
  try {
    return readMirrorInfo(db)?.sealedSince ?? null;
  } finally {
    db.close();
  }
}

/**
 * Who acts in Unleash: the admin API token (only an admin token can read the event log, so a token that reads it may
 * kill and roll back too). Unleash records its changes as made by that token.
 */
const ADMIN: Identity = { name: 'Unleash admin token', role: 'admin' };

/** Unleash keeps no service metrics: the charts stay empty and the ranking ranks without telemetry. */
function noMetrics(): MetricsSync {
  return {
    series: (_service, _from, _to, stepSeconds) => ({ service: _service, stepSeconds, points: [] }),
    services: () => [],
    stop: async () => {},
  };
}

/** Whether Unleash answers its event log with this token, and how fast; never throws. */
async function probeUnleash(url: string, token: string | null): Promise<ControlPlaneStatus> {
  const checkedAt = new Date().toISOString();
  const started = performance.now();
  try {
    await new UnleashClient({ url, token: token ?? '', timeoutMs: 3000 }).searchEvents(0, 1);
    return { kind: 'reachable', url, checkedAt, roundTripMs: Math.round(performance.now() - started), identity: ADMIN };
  } catch (err) {
    const code = err instanceof AppError ? err.code : 'E_UNLEASH_UNREACHABLE';
    return {
      kind: 'unreachable',
      url,
      checkedAt,
      error: { code, message: err instanceof Error ? err.message : String(err) },
    };
  }
}

/** Builds the Unleash source (throws E_UNLEASH_URL for a URL that cannot be Unleash's). */
export function unleashSource(opts: UnleashSourceOptions): UnleashSource {
  const url = normalizeUnleashUrl(opts.url);
  let handle: UnleashSyncHandle | null = null;
  const signer = () => sealSigner(opts.keyStore, replicaIsNew(opts.replicaPath));
  const syncOptions = (opened?: Replica | null): UnleashSyncOptions => ({
    url,
    token: opts.token,
    replica:
      opened ??
      opts.open ??
      ((init) =>
        Replica.open({
          path: opts.replicaPath,
          ...init,
          ...(opts.highWaterMark === undefined ? {} : { highWaterMark: opts.highWaterMark() }),
        })),
    signer: signer(),
    emitter: opts.emitter,
    log: opts.log,
    intervalMs: opts.intervalMs,
    pageSize: opts.pageSize,
    rereadEvery: opts.rereadEvery,
    backoff: opts.backoff,
    offlineAfterAttempts: opts.offlineAfterAttempts,
    timeoutMs: opts.timeoutMs,
  });
  let client: UnleashClient | null = null;
  const lazyClient = (): UnleashClient => {
    if (opts.token === null)
      throw new AppError(
        'E_TOKEN_REQUIRED',
        `The Unleash at ${url} needs an admin API token: pass --token-file <path> or set TOMBSTONE_TOKEN.`,
      );
    client ??= new UnleashClient({ url, token: opts.token, timeoutMs: opts.timeoutMs });
    return client;
  };
  const sealed = (): SealedReplica | null => handle?.sealed() ?? null;
  const actions = unleashActions({
    get client() {
      return lazyClient();
    },
    sealed,
    afterWrite: () => handle?.pollNow(),
  });
  return {
    kind: 'unleash',
    url,
    sealed,
    launchTrust: () => {
      if (replicaIsNew(opts.replicaPath)) return { origin: null, keys: [] };
      return { origin: unleashOrigin(url), keys: [sealTrustedKey(sealSigner(opts.keyStore, false))] };
    },
    follow: (opened) => {
      handle = startUnleashSync(syncOptions(opened));
      return handle;
    },
    once: () => unleashSyncOnce({ ...syncOptions(), attempts: opts.attempts, onAlert: opts.onAlert }),
    actions,
    provenance: (): Provenance => {
      const since = sealed()?.sealedSince() ?? sealedSinceOf(opts.replicaPath);
      return { kind: 'sealed-locally', since, notice: sealedNotice(since) };
    },
    upstreamAlerts: () => sealed()?.alerts() ?? [],
    identity: async () => ((await probeUnleash(url, opts.token)).kind === 'reachable' ? ADMIN : null),
    probe: () => probeUnleash(url, opts.token),
    startMetrics: () => noMetrics(),
    // Unleash's metrics count evaluations (yes/no per hour), not errors: there is no per-flag error evidence to read.
    flagTelemetry: async () => ({}),
  };
}
