/**
 * Helpers of the headless `sync` command: argument parsing, and what an existing replica file already pins (its log
 * origin and trusted keys live in the replica itself, so the command needs no separate profile).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatVerifierKey, type TrustedKey } from '../../shared/ledger/index.ts';
import { sha256 } from '../ledger/node-crypto.ts';
import { isEmptyReplica, openReplicaDatabase } from '../ledger/replica-db.ts';
import { Store } from '../ledger/store.ts';
import { fileHighWaterMark } from '../ledger/high-water-mark.ts';
import { deepCheck, preflight, type PreflightFailure } from '../ledger/preflight.ts';
import { Replica } from '../ledger/replica.ts';
import type { StoredKey } from '../profiles/profile-file.ts';
import { trustedKeysOf } from '../profiles/tofu.ts';
import { pickToken } from '../token-file.ts';

/** Parsed `sync` arguments. */
export interface SyncArgs {
  /** What is mirrored: a Tombstone control plane (`--url`) or an Unleash (`--unleash`). */
  source: 'control-plane' | 'unleash';
  url: string;
  /** Unleash: the file holding the replica's seal key (default `<db>.seal-key`). */
  sealKey: string | null;
  /** Unleash: the environment the console works on (checked to exist); null: not checked. */
  environment: string | null;
  /** Unleash: pause between polls in follow mode. */
  intervalMs: number;
  token: string | null;
  db: string;
  once: boolean;
  json: boolean;
  trust: string[];
  acceptFirstKey: boolean;
  heartbeatMs: number;
  pageSize: number | undefined;
}

/** Usage text of the command. */
export const SYNC_USAGE = `Usage: tombstone-console sync --url <control-plane> --db <replica.sqlite> [--once] [--json]
       [--token-file <path> | --token <t>] [--trust <verifier key>]... [--accept-first-key] [--heartbeat <ms>] [--page-size <n>]
       tombstone-console sync --unleash <unleash-url> --db <replica.sqlite> [--once] [--json]
       [--token-file <path> | --token <t>] [--seal-key <file>] [--environment <e>] [--interval <ms>] [--page-size <n>]
  --unleash mirrors an Unleash's event log with an admin API token and seals it with a local key (--seal-key, default
  <db>.seal-key, created on first use with mode 0600).
  The token: TOMBSTONE_TOKEN=<t> in the environment, or --token-file <path> (mode 0600), keep it out of the process
  list; --token <t> works but every user of the machine can read it there.`;

/** A usage error (exit status 2). */
export class UsageError extends Error {}

/** Parses argv (without the command name); throws UsageError, or TokenFileError for an unusable --token-file. */
export function parseSyncArgs(argv: readonly string[], env: NodeJS.ProcessEnv): SyncArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        unleash: { type: 'string' },
        'seal-key': { type: 'string' },
        environment: { type: 'string' },
        interval: { type: 'string' },
        token: { type: 'string' },
        'token-file': { type: 'string' },
        db: { type: 'string' },
        once: { type: 'boolean' },
        json: { type: 'boolean' },
        trust: { type: 'string', multiple: true },
        'accept-first-key': { type: 'boolean' },
        heartbeat: { type: 'string' },
        'page-size': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const unleash = values.unleash !== undefined;
  if (unleash && values.url !== undefined)
    throw new UsageError('give either --url (a control plane) or --unleash, not both');
  const url = values.unleash ?? values.url;
  if (url === undefined || values.db === undefined)
    throw new UsageError(unleash ? '--unleash and --db are required' : '--url and --db are required');
  if (!unleash && (values['seal-key'] ?? values.environment ?? values.interval) !== undefined)
    throw new UsageError('--seal-key, --environment and --interval go with --unleash');
  if (unleash && (values.trust !== undefined || values['accept-first-key'] === true || values.heartbeat !== undefined))
    throw new UsageError(
      '--trust, --accept-first-key and --heartbeat go with --url: an Unleash mirror trusts its own seal key',
    );
  if (values.interval !== undefined && !/^[1-9][0-9]{2,6}$/.test(values.interval))
    throw new UsageError('--interval is the pause between polls in ms (100-9999999)');
  if (values.heartbeat !== undefined && !/^[1-9][0-9]{0,6}$/.test(values.heartbeat))
    throw new UsageError('--heartbeat is the server heartbeat interval in ms');
  const page = values['page-size'];
  if (page !== undefined && !/^[1-9][0-9]{0,5}$/.test(page))
    throw new UsageError('--page-size is the number of entries per backfill request (1-999999)');
  return {
    pageSize: page === undefined ? undefined : Number(page),
    source: unleash ? 'unleash' : 'control-plane',
    url,
    sealKey: values['seal-key'] ?? null,
    environment: values.environment ?? null,
    intervalMs: Number(values.interval ?? '5000'),
    token: pickToken(values.token, values['token-file'], env, (m) => new UsageError(m)),
    db: values.db,
    once: values.once === true,
    json: values.json === true,
    trust: values.trust ?? [],
    acceptFirstKey: values['accept-first-key'] === true,
    heartbeatMs: Number(values.heartbeat ?? '15000'),
  };
}

/**
 * The origin and trusted keys an existing replica file pins (null origin and no keys for a new or empty file: zero
 * bytes, or left by a run killed before its first transaction). Throws E_NOT_A_REPLICA for any other unreadable file.
 */
export function pinnedByReplica(path: string): { origin: string | null; keys: StoredKey[] } {
  if (!existsSync(path)) return { origin: null, keys: [] };
  const db = openReplicaDatabase(path, true);
  try {
    if (isEmptyReplica(db)) return { origin: null, keys: [] };
    const store = new Store(db);
    const keys = store
      .keys()
      .filter((k) => k.revoked !== true)
      .map((k): StoredKey => ({
        vkey: formatVerifierKey(sha256, k.name, k.publicKey),
        validFromSize: k.validFromSize ?? null,
        validUntilSize: k.validUntilSize ?? null,
        confirmedAt: new Date(0).toISOString(),
        source: 'import',
      }));
    return { origin: store.state()?.origin ?? null, keys };
  } finally {
    db.close();
  }
}

/** The launch check's outcome for `sync`: the cheap check's failure, or the deep check still running. */
export interface HeadlessPreflight {
  failure: PreflightFailure | null;
  /** The deep re-verification, started after the cheap check passed (null: nothing to check); resolves to its failure. */
  deep: Promise<PreflightFailure | null> | null;
}

/**
 * The launch check of the console, run by the headless command before it syncs: an existing replica of `origin` must
 * open and pass the cheap check against `keys` (what the sync will trust) before anything is fetched; the deep check
 * then runs while the sync connects, and the caller holds every write until it vouches for the replica
 * (Replica.holdWrites). A new or empty replica has nothing to check.
 */
export async function preflightReplica(
  path: string,
  origin: string | null,
  keys: readonly StoredKey[],
): Promise<HeadlessPreflight> {
  return preflightWith(path, origin, trustedKeysOf(sha256, keys));
}

/** preflightReplica with the trusted keys themselves (a source's launch trust). */
export async function preflightWith(
  path: string,
  origin: string | null,
  trustedKeys: TrustedKey[],
): Promise<HeadlessPreflight> {
  if (origin === null) return { failure: null, deep: null };
  const { replica, failure } = await preflight(path, () => Replica.open({ path, origin, trustedKeys }), {
    origin,
    trustedKeys,
    highWaterMark: fileHighWaterMark(`${path}.hwm`),
  });
  replica?.close();
  if (failure !== null || replica === null) return { failure, deep: null };
  return { failure: null, deep: deepCheck(path, { origin, trustedKeys }).then((r) => r.failure) };
}
