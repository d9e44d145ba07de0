/**
 * What the headless `sync` command checks in an existing replica file before it syncs: the log origin and trusted keys
 * it already pins (they live in the replica itself, so the command needs no separate profile), and the launch check.
 */
import { existsSync } from 'node:fs';
import { formatVerifierKey, type TrustedKey } from '../../shared/ledger/index.ts';
import { sha256 } from '../ledger/node-crypto.ts';
import { isEmptyReplica, openReplicaDatabase } from '../ledger/replica-db.ts';
import { Store } from '../ledger/store.ts';
import { fileHighWaterMark } from '../ledger/high-water-mark.ts';
import { deepCheck, preflight, type PreflightFailure } from '../ledger/preflight.ts';
import { Replica } from '../ledger/replica.ts';
import type { StoredKey } from '../profiles/profile-file.ts';
import { trustedKeysOf } from '../profiles/tofu.ts';

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
