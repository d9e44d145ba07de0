/**
 * Test support: a small, realistic ledger as exact canonical leaf texts (real `prev` chain), a signed checkpoint over a
 * prefix, and a replica database holding the same entries — so the export path and the replica path can be compared.
 */
import Database from 'better-sqlite3';
import {
  CompactRange,
  buildLeafText,
  formatVerifierKey,
  leafHash,
  signCheckpoint,
  toHex,
  utf8Encode,
  type LedgerLeaf,
} from '../../../shared/ledger/index.ts';
import { at, created, entry, incidentEntry, state } from '../../../shared/correlate/test-support/entries.ts';
import type { CorrelationEntry } from '../../../shared/correlate/index.ts';
import { migrate } from '../../ledger/migrations.ts';
import { ed25519PublicKeyFromSeed, ed25519Signer, sha256 } from '../../ledger/node-crypto.ts';

/** The log origin of the test ledger. */
export const ORIGIN = 'tombstone.test/log';

/** The test ledger: two flags on two services, a causal change, noise, a breaker rollback, the incident PD-1. */
export function testEntries(): CorrelationEntry[] {
  return [
    created(0, 'checkout.pay.v2', ['checkout-api'], { tier: 'HIGH' }),
    created(1, 'search.rank.v2', ['search-api'], { tier: 'LOW' }),
    entry(2, { flag: 'checkout.pay.v2', ts: at(-300), before: state(false, 0), after: state(true, 50) }),
    entry(3, {
      flag: 'search.rank.v2',
      ts: at(-60),
      before: state(true, 10),
      after: state(true, 20),
      actor: { type: 'user', id: 'bob' },
    }),
    entry(4, {
      action: 'flag.auto_rolled_back',
      flag: 'checkout.pay.v2',
      ts: at(-100),
      actor: { type: 'system', id: 'system:evaluator' },
      before: state(true, 50),
      after: state(false, 50),
      reason: 'circuit_breaker',
    }),
    incidentEntry(5, 'PD-1', 'checkout-api', 0),
  ];
}

/** Canonical leaf texts of `entries` with the real `prev` hash chain. */
export function leafTexts(entries: readonly CorrelationEntry[]): string[] {
  let prev = '';
  return entries.map(({ verified: _v, ...rest }) => {
    const text = buildLeafText({ ...rest, prev } as LedgerLeaf);
    prev = toHex(leafHash(sha256, utf8Encode(text)));
    return text;
  });
}

const SEED = new Uint8Array(32).fill(7);

/** The verifier key of the test signer. */
export function testVerifierKey(name = 'test-log'): string {
  return formatVerifierKey(sha256, name, ed25519PublicKeyFromSeed(SEED));
}

/** A checkpoint note signed by the test key over the first `size` texts. */
export function signedCheckpoint(texts: readonly string[], size: number, name = 'test-log'): string {
  const range = new CompactRange(sha256);
  for (const t of texts.slice(0, size)) range.append(leafHash(sha256, utf8Encode(t)));
  return signCheckpoint(sha256, { origin: ORIGIN, size, root: range.root() }, [ed25519Signer(name, SEED)]);
}

/** A replica database (the ledger engineer's schema) holding `texts`, with the first `verified` of them verified. */
export function replicaWith(texts: readonly string[], verified: number, path = ':memory:'): Database.Database {
  const db = new Database(path);
  migrate(db);
  db.prepare(
    `INSERT INTO verification_state (id, origin, verified_size, root, peaks, updated_at) VALUES (1, ?, 0, ?, x'', 0)`,
  ).run(ORIGIN, Buffer.alloc(32));
  appendTexts(db, texts, 0);
  db.prepare('UPDATE verification_state SET verified_size = ? WHERE id = 1').run(verified);
  return db;
}

/** Appends texts as entries from `start` on. */
export function appendTexts(db: Database.Database, texts: readonly string[], start: number): void {
  const insert = db.prepare('INSERT INTO entries (idx, leaf, leaf_hash) VALUES (?, ?, ?)');
  db.transaction(() =>
    texts.forEach((t, i) => insert.run(start + i, Buffer.from(t, 'utf8'), leafHash(sha256, utf8Encode(t)))),
  )();
}
