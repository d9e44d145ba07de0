/**
 * One entry in full (exact leaf text, its hash, chain link, payload) and its RFC 6962 inclusion proof, computed
 * locally from the replica's own leaf hashes and checked against the verified root, so it works offline.
 */
import type Database from 'better-sqlite3';
import type { EntryDetail, InclusionCheck } from '../../shared/ipc/types/ledger.ts';
import { isLedgerError, leafHash, toHex, verifyInclusion } from '../../shared/ledger/index.ts';
import { sha256 } from '../ledger/node-crypto.ts';
import { rowsOf } from './entry-rows.ts';
import { entryNotFound } from './errors.ts';
import { ensureViews } from './ready.ts';
import { parseLeaf, stmt } from './sql.ts';
import { auditPath } from './subtrees.ts';

interface Stored {
  leaf: Buffer;
  leafHash: Buffer;
}

function stored(db: Database.Database, idx: number): Stored {
  const row =
    Number.isSafeInteger(idx) && idx >= 0
      ? (stmt(db, 'SELECT leaf, leaf_hash AS leafHash FROM entries WHERE idx = ?').get(idx) as Stored | undefined)
      : undefined;
  if (row !== undefined) return row;
  const size = (stmt(db, 'SELECT coalesce(max(idx) + 1, 0) AS n FROM entries').get() as { n: number }).n;
  throw entryNotFound(idx, size);
}

/** Everything about entry `idx`; throws E_ENTRY_NOT_FOUND when the replica does not hold it. */
export function entryDetail(db: Database.Database, idx: number): EntryDetail {
  const { leaf: bytes } = stored(db, idx);
  ensureViews(db);
  const text = bytes.toString('utf8');
  const [row] = rowsOf(db, [{ idx, leaf: text }]);
  if (row === undefined) throw new Error('E_INTERNAL: no row for a stored entry');
  const leaf = parseLeaf(text);
  return {
    row,
    leafText: text,
    leafHashHex: toHex(leafHash(sha256, bytes)),
    prevHex: leaf?.prev ?? '',
    before: leaf?.before ?? null,
    after: leaf?.after ?? null,
    refs: leaf?.refs ?? {},
  };
}

interface VerifiedState {
  size: number;
  root: Buffer;
}

/**
 * Checks that entry `idx` is in the tree of the verified root: the leaf hash is re-derived from the exact bytes and
 * the audit path from the stored hashes. ok:false with NOT_VERIFIED for entries beyond the verified size,
 * LEAF_HASH_MISMATCH when the stored hash is not the bytes' hash, BAD_PROOF when the path does not reach the root.
 */
export function inclusionCheck(db: Database.Database, idx: number): InclusionCheck {
  const entry = stored(db, idx);
  ensureViews(db); // creates the subtree cache table on a replica that never had views
  const state = stmt(db, 'SELECT verified_size AS size, root FROM verification_state WHERE id = 1').get() as
    VerifiedState | undefined;
  const size = state?.size ?? 0;
  const rootHex = state === undefined ? '' : toHex(state.root);
  const base = { idx, treeSize: size, rootHex };
  if (state === undefined || idx >= size) return { ...base, proofHex: [], ok: false, code: 'NOT_VERIFIED' };
  let proofHex: string[] = [];
  try {
    const proof = auditPath(db, idx, size);
    proofHex = proof.map(toHex);
    const hash = leafHash(sha256, entry.leaf);
    if (!Buffer.from(hash).equals(entry.leafHash)) return { ...base, proofHex, ok: false, code: 'LEAF_HASH_MISMATCH' };
    verifyInclusion(sha256, idx, size, hash, proof, state.root);
  } catch (err) {
    if (isLedgerError(err)) return { ...base, proofHex, ok: false, code: err.code };
    throw err;
  }
  return { ...base, proofHex, ok: true, code: null };
}
