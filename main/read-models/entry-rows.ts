/** Turns stored leaves into the audit table's rows: leaf fields, the flag's current metadata, a summary, verification. */
import type Database from 'better-sqlite3';
import type { EntryRow } from '../../shared/ipc/types/ledger.ts';
import type { LedgerLeaf } from '../../shared/ledger/index.ts';
import { summarizeEntry } from '../../shared/state/summary.ts';
import { loadFlags, type FlagRecord } from './flag-store.ts';
import { UNREADABLE_ACTION, UNREADABLE_ACTOR } from './entry-index.ts';
import { parseLeaf, stmt, type LeafRow } from './sql.ts';

/** The replica's verified size (entries below it are covered by a trusted checkpoint). */
export function verifiedSize(db: Database.Database): number {
  return (
    (stmt(db, 'SELECT verified_size AS v FROM verification_state WHERE id = 1').get() as { v: number } | undefined)
      ?.v ?? 0
  );
}

function unreadableRow(idx: number, verified: boolean): EntryRow {
  return {
    idx,
    ts: '',
    actor: UNREADABLE_ACTOR,
    actorType: 'system',
    action: UNREADABLE_ACTION,
    flag: null,
    env: null,
    reason: '',
    services: [],
    team: null,
    tier: null,
    summary: 'this entry cannot be read as a ledger leaf; run a full verification',
    verified,
  };
}

/** The row of one leaf. */
export function rowOf(leaf: LedgerLeaf, flag: FlagRecord | undefined, verified: boolean): EntryRow {
  const info = flag?.info ?? null;
  return {
    idx: leaf.idx,
    ts: leaf.ts,
    actor: leaf.actor.id,
    actorType: leaf.actor.type,
    action: leaf.action,
    flag: leaf.flag,
    env: leaf.env,
    reason: leaf.reason,
    services: [...(info?.services ?? [])],
    team: info?.owner ?? null,
    tier: info?.tier ?? null,
    summary: summarizeEntry(leaf),
    verified,
  };
}

/** Rows of the given stored leaves, in the given order. */
export function rowsOf(db: Database.Database, rows: readonly LeafRow[]): EntryRow[] {
  const verified = verifiedSize(db);
  const leaves = rows.map((r) => {
    const leaf = parseLeaf(r.leaf);
    return leaf !== null && leaf.idx === r.idx ? leaf : null;
  });
  const flags = loadFlags(db, [...new Set(leaves.map((l) => l?.flag ?? null).filter((f): f is string => f !== null))]);
  return rows.map((r, i) => {
    const leaf = leaves[i] ?? null;
    return leaf === null
      ? unreadableRow(r.idx, r.idx < verified)
      : rowOf(leaf, flags.get(leaf.flag ?? ''), r.idx < verified);
  });
}
