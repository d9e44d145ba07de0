/**
 * Change requests: their entries are indexed in view_refs; `view_change_requests` keeps each request's status, refolded
 * (shared/state/change-requests.ts) whenever one of its entries is indexed or rewound, so a status list is one query.
 */
import type Database from 'better-sqlite3';
import type { ChangeRequest, Tier } from '../../shared/ipc/types/domain.ts';
import { payloadHashHex } from '../../shared/protocol/change-requests.ts';
import { foldChangeRequests, type ChangeRequestContext } from '../../shared/state/change-requests.ts';
import { sha256 } from '../ledger/node-crypto.ts';
import { infoAsOf } from './flag-store.ts';
import { REF_KIND } from './schema.ts';
import { parseRows, stmt, type LeafRow } from './sql.ts';

/** The fold context over the replica: tiers from the view catalog, payload hashes recomputed with SHA-256. */
export function changeRequestContext(db: Database.Database): ChangeRequestContext {
  return {
    tierAt: (flag: string, idx: number): Tier | null => infoAsOf(db, flag, idx)?.tier ?? null,
    hashPayload: (flag, env, after, scheduledAt, operation) =>
      payloadHashHex(sha256, flag, env, after, scheduledAt, operation),
  };
}

/** The entries of the given change requests, in idx order. */
export function changeRequestLeaves(db: Database.Database, ids: readonly string[]): LeafRow[] {
  return stmt(
    db,
    `SELECT idx, CAST(leaf AS TEXT) AS leaf FROM entries WHERE idx IN (SELECT idx FROM view_refs
    WHERE kind = ${REF_KIND.changeRequest} AND ref IN (SELECT value FROM json_each(?))) ORDER BY idx`,
  ).all(JSON.stringify(ids)) as LeafRow[];
}

/** Folds the given requests from their indexed entries. */
export function foldRequests(db: Database.Database, ids: readonly string[]): ChangeRequest[] {
  if (ids.length === 0) return [];
  return foldChangeRequests(parseRows(changeRequestLeaves(db, ids)), changeRequestContext(db));
}

/** Refolds the given requests and stores their status (requests without a `created` entry are removed). */
export function refreshRequests(db: Database.Database, ids: Iterable<string>): void {
  const list = [...new Set(ids)];
  if (list.length === 0) return;
  const folded = new Map(foldRequests(db, list).map((cr) => [cr.id, cr]));
  for (const id of list) {
    const cr = folded.get(id);
    if (cr === undefined) stmt(db, 'DELETE FROM view_change_requests WHERE id = ?').run(id);
    else
      stmt(db, 'INSERT OR REPLACE INTO view_change_requests (id, created_idx, status) VALUES (?, ?, ?)').run(
        id,
        cr.createdIdx,
        cr.status,
      );
  }
}
