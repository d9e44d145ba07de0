/**
 * From a mapped draft to a ledger leaf: the mirror gives it `v`, its log origin, its index and the previous leaf's
 * hash, and the result is checked exactly as a verifier checks a leaf (canonical JSON, schema, size). A draft whose
 * payload would make the leaf larger than the ledger accepts keeps a digest of what it had to leave out.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { buildLeafText, MAX_LEAF_BYTES, type JsonValue, type LedgerLeaf } from '../../../shared/ledger/leaf.ts';
import { isRec } from './model.ts';
import type { LeafDraft } from './mapping.ts';

/** Bytes kept free for `log`, `idx` and `prev`, which the draft does not have yet. */
const RESERVE = 1024;

function digestOf(v: JsonValue): { sha256: string; bytes: number } {
  const text = canonicalize(v) ?? 'null';
  const bytes = Buffer.byteLength(text, 'utf8');
  return { sha256: createHash('sha256').update(text, 'utf8').digest('hex'), bytes };
}

function size(draft: LeafDraft): number {
  return Buffer.byteLength(canonicalize(draft) ?? '', 'utf8');
}

function withoutDetail(v: JsonValue): JsonValue {
  if (!isRec(v) || !isRec(v['unleash'])) return v;
  return { ...v, unleash: { omitted: 'too large for a ledger leaf', ...digestOf(v['unleash']) } };
}

function omitted(v: JsonValue): JsonValue {
  return v === null ? null : { omitted: 'too large for a ledger leaf', ...digestOf(v) };
}

/**
 * The draft itself when it fits in a leaf; otherwise first the Unleash detail of before/after, then before/after
 * entirely, replaced by their SHA-256 and size (`refs.unleash_trimmed` says which). The full event stays in Unleash
 * and in the mirror's raw store; its digest is in `refs.unleash_sha256` either way.
 */
export function fitDraft(draft: LeafDraft): LeafDraft {
  const budget = MAX_LEAF_BYTES - RESERVE;
  if (size(draft) <= budget) return draft;
  const lean: LeafDraft = {
    ...draft,
    before: withoutDetail(draft.before),
    after: withoutDetail(draft.after),
    refs: { ...draft.refs, unleash_trimmed: 'detail' },
  };
  if (size(lean) <= budget) return lean;
  return {
    ...draft,
    before: omitted(draft.before),
    after: omitted(draft.after),
    refs: { ...draft.refs, unleash_trimmed: 'payload' },
  };
}

/** Where a leaf goes: the mirror's log origin, its index, and the hex leaf hash of the entry before ("" at 0). */
export interface LeafPlace {
  log: string;
  idx: number;
  prev: string;
}

/** The leaf and its exact canonical text; throws the ledger's own error codes if it is not a valid leaf. */
export function sealDraft(draft: LeafDraft, place: LeafPlace): { leaf: LedgerLeaf; text: string } {
  const fitted = fitDraft(draft);
  const leaf: LedgerLeaf = { v: 1, log: place.log, idx: place.idx, prev: place.prev, ...fitted };
  return { leaf, text: buildLeafText(leaf) };
}

/** RFC 6962 leaf hash (hex) of a leaf's exact text: the next leaf's `prev`. */
export function leafHashHex(text: string): string {
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(text, 'utf8')
    .digest('hex');
}
