/** Prepared statements cached per connection and SQL text, plus the leaf reader every view module shares. */
import type Database from 'better-sqlite3';
import type { LedgerLeaf } from '../../shared/ledger/index.ts';

const cache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** The statement for `sql` on `db`, prepared once. */
export function stmt(db: Database.Database, sql: string): Database.Statement {
  let m = cache.get(db);
  if (m === undefined) {
    m = new Map();
    cache.set(db, m);
  }
  let s = m.get(sql);
  if (s === undefined) {
    s = db.prepare(sql);
    m.set(sql, s);
  }
  return s;
}

const ACTOR_TYPES: readonly unknown[] = ['user', 'service', 'system'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nullableText(v: unknown): boolean {
  return v === null || typeof v === 'string';
}

function stringValues(v: unknown): boolean {
  if (!isRecord(v)) return false;
  for (const k in v) if (typeof v[k] !== 'string') return false;
  return true;
}

/**
 * Parses a stored leaf text; null when it lacks a field the views read. The replica validated every leaf (canonical
 * form, full v1 schema) when it was received, and the verifier owns reporting corruption; this check only keeps a
 * damaged file from crashing the views, at a third of validateLeafValue's cost (it runs on every entry).
 */
export function parseLeaf(text: string): LedgerLeaf | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(v) || typeof v['idx'] !== 'number' || typeof v['ts'] !== 'string' || typeof v['action'] !== 'string')
    return null;
  const actor = v['actor'];
  if (!isRecord(actor) || typeof actor['id'] !== 'string' || !ACTOR_TYPES.includes(actor['type'] as string))
    return null;
  if (
    !nullableText(v['flag']) ||
    !nullableText(v['env']) ||
    typeof v['reason'] !== 'string' ||
    typeof v['prev'] !== 'string'
  )
    return null;
  if (!stringValues(v['refs']) || !('before' in v) || !('after' in v) || Number.isNaN(Date.parse(v['ts']))) return null;
  return v as unknown as LedgerLeaf;
}

/** An idx and its exact leaf text, as read back for folds. */
export interface LeafRow {
  idx: number;
  leaf: string;
}

/** Parses rows, skipping unreadable ones. */
export function parseRows(rows: readonly LeafRow[]): LedgerLeaf[] {
  const out: LedgerLeaf[] = [];
  for (const r of rows) {
    const leaf = parseLeaf(r.leaf);
    if (leaf !== null) out.push(leaf);
  }
  return out;
}
