/**
 * Indexed reads of the replica for correlation: changes by time, by flag and by service, the flag catalog of just the
 * flags a ranking needs, approvals, incidents. Each is one indexed query; nothing scans the ledger.
 */
import type Database from 'better-sqlite3';
import { validateLeafValue } from '../../shared/ledger/index.ts';
import type { CorrelationEntry, FlagCatalog, FlagInfo } from '../../shared/correlate/index.ts';

interface LeafRow {
  idx: number;
  leaf: string;
}

const LEAF_JOIN = 'JOIN entries e ON e.idx = c.idx';
// SQLite decodes the UTF-8 text itself: about twice as fast as returning a Buffer and decoding it in JS.
const LEAF = 'CAST(e.leaf AS TEXT) AS leaf';

type QueryName =
  'byTime' | 'byFlag' | 'byService' | 'catalog' | 'dependents' | 'approvals' | 'incident' | 'first' | 'verified';

/** Prepared queries of one replica connection (after the index exists). */
export type ReplicaQueries = Readonly<Record<QueryName, Database.Statement>>;

function sql(db: Database.Database): ReplicaQueries {
  const p = (text: string): Database.Statement => db.prepare(text);
  return {
    byTime: p(
      `SELECT c.idx, ${LEAF} FROM correlate_changes c ${LEAF_JOIN} WHERE c.ts_ms BETWEEN ? AND ? ORDER BY c.idx`,
    ),
    byFlag: p(`SELECT c.idx, ${LEAF} FROM correlate_changes c INDEXED BY correlate_changes_flag ${LEAF_JOIN}
      WHERE c.flag = ? AND c.ts_ms BETWEEN ? AND ? ORDER BY c.idx`),
    byService:
      p(`SELECT c.idx, ${LEAF} FROM correlate_flag_services s JOIN correlate_changes c INDEXED BY correlate_changes_flag
      ON c.flag = s.flag AND c.ts_ms BETWEEN ? AND ? ${LEAF_JOIN} WHERE s.service = ? ORDER BY c.idx`),
    catalog:
      p(`SELECT c.flag, c.info FROM json_each(?) j JOIN correlate_catalog c ON c.idx = (SELECT idx FROM correlate_catalog
      WHERE flag = j.value AND ts_ms <= ? ORDER BY ts_ms DESC, idx DESC LIMIT 1)`),
    dependents: p(
      'SELECT DISTINCT flag FROM correlate_prerequisites WHERE prerequisite IN (SELECT value FROM json_each(?))',
    ),
    approvals: p(
      `SELECT DISTINCT change_request AS id FROM correlate_approvals WHERE change_request IN (SELECT value FROM json_each(?))`,
    ),
    incident: p(
      `SELECT c.idx, ${LEAF} FROM correlate_incidents c ${LEAF_JOIN} WHERE c.incident = ? ORDER BY c.idx LIMIT 1`,
    ),
    first: p('SELECT e.idx, CAST(e.leaf AS TEXT) AS leaf FROM entries e ORDER BY e.idx LIMIT 1'),
    verified: p('SELECT verified_size AS v FROM verification_state WHERE id = 1'),
  };
}

const cache = new WeakMap<Database.Database, ReplicaQueries>();

/** The prepared queries of `db` (prepared once per connection). */
export function replicaQueries(db: Database.Database): ReplicaQueries {
  let q = cache.get(db);
  if (q === undefined) {
    q = sql(db);
    cache.set(db, q);
  }
  return q;
}

/** Parses stored leaves into entries, marking those below the verified size; rows that are not leaves are skipped. */
export function toEntries(rows: readonly LeafRow[], verifiedSize: number): CorrelationEntry[] {
  const out: CorrelationEntry[] = [];
  for (const r of rows) {
    try {
      out.push({ ...validateLeafValue(JSON.parse(r.leaf)), verified: r.idx < verifiedSize });
    } catch {
      // corrupt rows are the verifier's to report; correlation ranks what it can read
    }
  }
  return out;
}

/** The replica's verified size (entries below it are covered by a trusted checkpoint). */
export function verifiedSize(q: ReplicaQueries): number {
  return (q.verified.get() as { v: number } | undefined)?.v ?? 0;
}

/** Candidate changes and circuit-breaker responses with ts in [fromMs, toMs]. */
export function changesBetween(q: ReplicaQueries, fromMs: number, toMs: number): CorrelationEntry[] {
  return toEntries(q.byTime.all(fromMs, toMs) as LeafRow[], verifiedSize(q));
}

/** Changes of one flag with ts in [fromMs, toMs]. */
export function changesForFlag(q: ReplicaQueries, flag: string, fromMs: number, toMs: number): CorrelationEntry[] {
  return toEntries(q.byFlag.all(flag, fromMs, toMs) as LeafRow[], verifiedSize(q));
}

/** Changes of every flag whose definition ever named `service`, with ts in [fromMs, toMs]. */
export function changesForService(
  q: ReplicaQueries,
  service: string,
  fromMs: number,
  toMs: number,
): CorrelationEntry[] {
  return toEntries(q.byService.all(fromMs, toMs, service) as LeafRow[], verifiedSize(q));
}

/** Flags that list any of `keys` as a prerequisite, transitively up to `depth` links. */
export function dependentFlags(q: ReplicaQueries, keys: readonly string[], depth = 3): string[] {
  const seen = new Set(keys);
  let frontier = [...keys];
  for (let level = 0; level < depth && frontier.length > 0; level++) {
    const found = (q.dependents.all(JSON.stringify(frontier)) as { flag: string }[])
      .map((r) => r.flag)
      .filter((f) => !seen.has(f));
    for (const f of found) seen.add(f);
    frontier = found;
  }
  return [...seen];
}

/** The definitions of `flags` as of `untilMs` (one indexed lookup per flag; flags never defined are absent). */
export function catalogAsOf(q: ReplicaQueries, flags: readonly string[], untilMs: number): FlagCatalog {
  const rows = q.catalog.all(JSON.stringify(flags), untilMs) as { flag: string; info: string }[];
  return new Map(rows.map((r) => [r.flag, JSON.parse(r.info) as FlagInfo]));
}

/** Which of `ids` the ledger shows as approved change requests. */
export function approvedAmong(q: ReplicaQueries, ids: readonly string[]): Set<string> {
  return new Set((q.approvals.all(JSON.stringify(ids)) as { id: string }[]).map((r) => r.id));
}

/** The earliest `incident.triggered` entry for an incident id, or null. */
export function incidentEntry(q: ReplicaQueries, id: string): CorrelationEntry | null {
  const row = q.incident.get(id) as LeafRow | undefined;
  return row === undefined ? null : (toEntries([row], verifiedSize(q))[0] ?? null);
}

/** The ledger's first entry, or null when it is empty. */
export function firstEntry(q: ReplicaQueries): CorrelationEntry | null {
  const row = q.first.get() as LeafRow | undefined;
  return row === undefined ? null : (toEntries([row], 0)[0] ?? null);
}
