/**
 * Keeps the correlation index level with the replica's entries. Incremental: it resumes after the last indexed entry,
 * and detects a rewritten tail (the ledger drops unverified entries on a fork or refetch) by the leaf hash of the last
 * entry it indexed, rewinding to the verified boundary, which never changes. Call it after each committed append batch.
 */
import type Database from 'better-sqlite3';
import { foldCatalogEntry, type FlagInfo } from '../../shared/correlate/index.ts';
import { validateLeafValue } from '../../shared/ledger/index.ts';
import { BulkReader } from '../ledger/bulk-read.ts';
import { CorrelateInputError } from './errors.ts';
import { indexRowsOf } from './index-rows.ts';
import { migrateIndex } from './index-schema.ts';

/** How far the index got. */
export interface CatchUpResult {
  indexedSize: number;
  added: number;
  rewound: boolean;
  /** The index covers every entry the replica holds. */
  complete: boolean;
}

interface StoredLeafRow {
  idx: number;
  leaf: Buffer;
  leafHash: Buffer;
}

function statements(db: Database.Database) {
  const p = (sql: string): Database.Statement => db.prepare(sql);
  return {
    state: p('SELECT indexed_size AS indexedSize, tip_hash AS tipHash FROM correlate_state WHERE id = 1'),
    setState: p('UPDATE correlate_state SET indexed_size = ?, tip_hash = ? WHERE id = 1'),
    hashAt: p('SELECT leaf_hash AS leafHash FROM entries WHERE idx = ?'),
    verified: p('SELECT verified_size AS v FROM verification_state WHERE id = 1'),
    batch: p('SELECT idx, leaf, leaf_hash AS leafHash FROM entries WHERE idx >= ? ORDER BY idx LIMIT ?'),
    size: p('SELECT coalesce(max(idx) + 1, 0) AS n FROM entries'),
    change: p('INSERT OR REPLACE INTO correlate_changes (idx, ts_ms, flag, env) VALUES (?, ?, ?, ?)'),
    catalog: p('INSERT OR REPLACE INTO correlate_catalog (idx, flag, ts_ms, info) VALUES (?, ?, ?, ?)'),
    catalogLatest: p('SELECT info FROM correlate_catalog WHERE flag = ? ORDER BY idx DESC LIMIT 1'),
    service: p('INSERT OR IGNORE INTO correlate_flag_services (service, flag) VALUES (?, ?)'),
    prereq: p('INSERT OR IGNORE INTO correlate_prerequisites (prerequisite, flag) VALUES (?, ?)'),
    incident: p('INSERT OR IGNORE INTO correlate_incidents (incident, idx) VALUES (?, ?)'),
    approval: p('INSERT OR IGNORE INTO correlate_approvals (change_request, idx) VALUES (?, ?)'),
    rewind: [
      p('DELETE FROM correlate_changes WHERE idx >= ?'),
      p('DELETE FROM correlate_catalog WHERE idx >= ?'),
      p('DELETE FROM correlate_incidents WHERE idx >= ?'),
      p('DELETE FROM correlate_approvals WHERE idx >= ?'),
    ],
  };
}

type Statements = ReturnType<typeof statements> & { bulk: BulkReader };

// Statements are prepared once per connection (a ranking calls catch-up first, so this sits on the hot path).
const prepared = new WeakMap<Database.Database, Statements>();

function statementsFor(db: Database.Database): Statements {
  let s = prepared.get(db);
  if (s === undefined) {
    s = { ...statements(db), bulk: new BulkReader(db) };
    prepared.set(db, s);
  }
  return s;
}

/** Throws E_REPLICA unless `db` has the replica's entries and verification state. */
export function assertReplica(db: Database.Database): void {
  const found = db
    .prepare(
      "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('entries', 'verification_state')",
    )
    .get() as { n: number };
  if (found.n !== 2)
    throw new CorrelateInputError(
      'E_REPLICA',
      'this database is not a console replica (no entries / verification_state tables); pass the replica file the console writes.',
    );
}

/** The flag's definition folded up to the last indexed metadata entry (rows are written only by this module). */
function latestInfo(s: Statements, flag: string): FlagInfo | undefined {
  const row = s.catalogLatest.get(flag) as { info: string } | undefined;
  return row === undefined ? undefined : (JSON.parse(row.info) as FlagInfo);
}

function indexOne(s: Statements, idx: number, text: string): void {
  let leaf;
  try {
    leaf = validateLeafValue(JSON.parse(text));
  } catch {
    return; // not a leaf (corruption is the verifier's to report); it can be nothing correlation needs
  }
  const r = indexRowsOf(leaf);
  const ms = Date.parse(leaf.ts);
  if (r.change !== null) s.change.run(idx, ms, r.change.flag, r.change.env);
  if (r.catalog !== null)
    s.catalog.run(idx, r.catalog, ms, JSON.stringify(foldCatalogEntry(latestInfo(s, r.catalog), leaf)));
  for (const [service, flag] of r.services) s.service.run(service, flag);
  for (const [prereq, flag] of r.prerequisites) s.prereq.run(prereq, flag);
  if (r.incident !== null) s.incident.run(r.incident, idx);
  if (r.approval !== null) s.approval.run(r.approval, idx);
}

/** Indexes entries [from, end) in one transaction and records how far it got (with the last leaf hash). */
function indexRange(db: Database.Database, s: Statements, from: number, end: number): void {
  db.transaction(() => {
    // One aggregated read per batch (see bulk-read.ts); the per-row query is the fallback for odd ranges.
    const block = s.bulk.leaves(from, end);
    if (block !== null) {
      for (let i = 0; i < end - from; i++)
        indexOne(s, from + i, block.leaves.toString('utf8', block.offsets[i], block.offsets[i + 1]));
      s.setState.run(end, block.hashes.subarray((end - from - 1) * 32, (end - from) * 32));
      return;
    }
    const rows = s.batch.all(from, end - from) as StoredLeafRow[];
    for (const row of rows) indexOne(s, row.idx, row.leaf.toString('utf8'));
    const last = rows[rows.length - 1];
    if (last !== undefined) s.setState.run(last.idx + 1, last.leafHash);
  })();
}

/** Where indexing must resume: the stored size, or the verified boundary if the tail it indexed was rewritten. */
function resumePoint(s: Statements): { from: number; rewound: boolean } {
  const st = s.state.get() as { indexedSize: number; tipHash: Buffer | null };
  if (st.indexedSize === 0) return { from: 0, rewound: false };
  const tip = s.hashAt.get(st.indexedSize - 1) as { leafHash: Buffer } | undefined;
  if (tip !== undefined && st.tipHash !== null && tip.leafHash.equals(st.tipHash))
    return { from: st.indexedSize, rewound: false };
  const verified = (s.verified.get() as { v: number } | undefined)?.v ?? 0;
  const from = Math.min(st.indexedSize, verified);
  for (const del of s.rewind) del.run(from);
  const hash = from === 0 ? null : ((s.hashAt.get(from - 1) as { leafHash: Buffer } | undefined)?.leafHash ?? null);
  s.setState.run(from, hash);
  return { from, rewound: true };
}

/**
 * Indexes entries appended since the last call, in transactions of `batch` entries, for at most `budgetMs` (the rest
 * waits for the next call). Throws E_REPLICA when the database is not a replica.
 */
export function catchUpIndex(db: Database.Database, batch = 5000, budgetMs = Infinity): CatchUpResult {
  assertReplica(db);
  try {
    migrateIndex(db);
  } catch (err) {
    throw new CorrelateInputError(
      'E_REPLICA',
      `cannot create the correlation index (${err instanceof Error ? err.message : String(err)}); the file must be a writable replica.`,
    );
  }
  const s = statementsFor(db);
  const started = performance.now();
  const { from, rewound } = db.transaction(() => resumePoint(s))();
  const size = (s.size.get() as { n: number }).n;
  let next = from;
  while (next < size) {
    const end = Math.min(size, next + batch);
    indexRange(db, s, next, end);
    next = (s.state.get() as { indexedSize: number }).indexedSize;
    if (next < end || performance.now() - started > budgetMs) break;
  }
  return { indexedSize: next, added: next - from, rewound, complete: next >= size };
}

/** One bounded step of background indexing (small transactions, at most ~`budgetMs`); true once the index is complete. */
export function correlationIndexStep(db: Database.Database, budgetMs: number): boolean {
  return catchUpIndex(db, 1000, budgetMs).complete;
}
