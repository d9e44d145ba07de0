/**
 * Ledger leaves: RFC 8785 (JCS) canonical JSON, stored and hashed as the exact bytes received. A leaf is accepted only
 * if re-canonicalising its parsed value gives back the same text, which rejects duplicate keys, reordering, whitespace,
 * `1.0`, escaped non-ASCII, lone surrogates, and (checked separately) integers beyond 2^53 - 1.
 */
import canonicalize from 'canonicalize';
import { LedgerError } from './errors.ts';
import { isWellFormedText, utf8Decode, utf8Encode } from './encoding.ts';

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Who made a change. */
export interface LeafActor {
  type: 'user' | 'service' | 'system';
  id: string;
}

/** One ledger entry (schema version 1); every field is inside the leaf, so the leaf hash covers all of them. */
export interface LedgerLeaf {
  v: 1;
  log: string;
  idx: number;
  ts: string;
  actor: LeafActor;
  action: string;
  flag: string | null;
  env: string | null;
  before: JsonValue;
  after: JsonValue;
  reason: string;
  refs: Record<string, string>;
  prev: string;
}

/** What the caller already knows about a leaf: the pinned origin, its position, and the previous leaf's hex hash. */
export interface LeafExpectation {
  log?: string;
  idx?: number;
  prev?: string;
}

/** Largest accepted leaf, in UTF-8 bytes. */
export const MAX_LEAF_BYTES = 65536;

const LEAF_KEYS = [
  'action',
  'actor',
  'after',
  'before',
  'env',
  'flag',
  'idx',
  'log',
  'prev',
  'reason',
  'refs',
  'ts',
  'v',
];
const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ACTION_RE = /^[a-z][a-z_]*(\.[a-z][a-z_]*)+$/;
const PREV_RE = /^[0-9a-f]{64}$/;
// Integers beyond 2^53 - 1 need at least 16 digits or an exponent; only such texts pay for the full walk.
const MAYBE_BIG_RE = /[0-9]{16}|e\+/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasUnsafeInteger(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (Array.isArray(value)) return value.some(hasUnsafeInteger);
  if (isRecord(value)) return Object.values(value).some(hasUnsafeInteger);
  return false;
}

/** Parses `text` as JSON and checks it is the RFC 8785 canonical form; throws NOT_CANONICAL or MALFORMED_LEAF. */
export function parseCanonicalJson(text: string, idx: number | null = null): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new LedgerError('MALFORMED_LEAF', 'the leaf is not valid JSON', idx);
  }
  let again: string | undefined;
  try {
    again = canonicalize(value);
  } catch {
    throw new LedgerError('NOT_CANONICAL', 'the leaf contains a lone surrogate or a non-finite number', idx);
  }
  if (again !== text)
    throw new LedgerError('NOT_CANONICAL', 'the leaf bytes are not the RFC 8785 canonical form of their JSON', idx);
  if (MAYBE_BIG_RE.test(text) && hasUnsafeInteger(value)) {
    throw new LedgerError(
      'NOT_CANONICAL',
      'the leaf holds an integer beyond 2^53 - 1; large numbers must be strings',
      idx,
    );
  }
  return value;
}

function fail(detail: string, idx: number | null): never {
  throw new LedgerError('MALFORMED_LEAF', detail, idx);
}

function isNullableName(value: unknown): value is string | null {
  return value === null || (typeof value === 'string' && value.length > 0);
}

function checkActor(actor: unknown, idx: number | null): void {
  if (!isRecord(actor) || Object.keys(actor).length !== 2) fail('actor must be {type, id}', idx);
  const type = actor['type'];
  if (type !== 'user' && type !== 'service' && type !== 'system')
    fail('actor.type must be user, service or system', idx);
  if (typeof actor['id'] !== 'string' || actor['id'].length === 0) fail('actor.id must be a non-empty string', idx);
}

function checkTs(ts: unknown, idx: number | null): void {
  if (typeof ts !== 'string' || !TS_RE.test(ts)) fail('ts must be RFC 3339 UTC with milliseconds', idx);
  const time = Date.parse(ts);
  if (Number.isNaN(time) || new Date(time).toISOString() !== ts) fail('ts is not a real calendar time', idx);
}

function checkRefs(refs: unknown, idx: number | null): void {
  if (!isRecord(refs)) fail('refs must be an object', idx);
  for (const v of Object.values(refs)) if (typeof v !== 'string') fail('every refs value must be a string', idx);
}

function checkShape(o: Record<string, unknown>, idx: number | null): void {
  const keys = Object.keys(o);
  if (keys.length !== LEAF_KEYS.length || !LEAF_KEYS.every((k) => k in o))
    fail(`a v1 leaf has exactly the keys ${LEAF_KEYS.join(', ')}`, idx);
  if (o['v'] !== 1) fail('unsupported leaf schema version (v must be 1)', idx);
  if (typeof o['log'] !== 'string' || o['log'].length === 0) fail('log must be a non-empty string', idx);
  const own = o['idx'];
  if (typeof own !== 'number' || !Number.isSafeInteger(own) || own < 0)
    fail('idx must be a non-negative safe integer', idx);
  checkTs(o['ts'], idx);
  checkActor(o['actor'], idx);
  if (typeof o['action'] !== 'string' || !ACTION_RE.test(o['action'])) fail('action must look like "domain.verb"', idx);
  if (!isNullableName(o['flag'])) fail('flag must be a non-empty string or null', idx);
  if (!isNullableName(o['env'])) fail('env must be a non-empty string or null', idx);
  if (typeof o['reason'] !== 'string') fail('reason must be a string', idx);
  checkRefs(o['refs'], idx);
  const prev = o['prev'];
  if (typeof prev !== 'string' || (prev !== '' && !PREV_RE.test(prev)))
    fail('prev must be "" or 64 lowercase hex digits', idx);
}

function checkExpectation(leaf: LedgerLeaf, expect: LeafExpectation): void {
  const at = expect.idx ?? leaf.idx;
  if (expect.log !== undefined && leaf.log !== expect.log) {
    throw new LedgerError('LOG_MISMATCH', `the leaf belongs to log "${leaf.log}", not the pinned "${expect.log}"`, at);
  }
  if (expect.idx !== undefined && leaf.idx !== expect.idx) {
    throw new LedgerError('IDX_MISMATCH', `the leaf says idx ${leaf.idx} but sits at position ${expect.idx}`, at);
  }
  if ((leaf.idx === 0) !== (leaf.prev === '')) {
    throw new LedgerError('PREV_MISMATCH', 'prev must be "" exactly for idx 0', at);
  }
  if (expect.prev !== undefined && leaf.prev !== expect.prev) {
    throw new LedgerError('PREV_MISMATCH', 'prev does not equal the hash of the previous leaf', at);
  }
}

/** Validates a parsed JSON value against the v1 leaf schema; throws MALFORMED_LEAF. */
export function validateLeafValue(value: unknown, idx: number | null = null): LedgerLeaf {
  if (!isRecord(value)) fail('a leaf must be a JSON object', idx);
  checkShape(value, idx);
  return value as unknown as LedgerLeaf;
}

/**
 * Parses and checks one leaf text: canonical form (NOT_CANONICAL), schema (MALFORMED_LEAF), size (OVERSIZE_ENTRY),
 * then the caller's expectations (LOG_MISMATCH, IDX_MISMATCH, PREV_MISMATCH).
 */
export function parseLeafText(text: string, expect: LeafExpectation = {}): LedgerLeaf {
  const at = expect.idx ?? null;
  if (text.length > MAX_LEAF_BYTES || (text.length * 3 > MAX_LEAF_BYTES && utf8Encode(text).length > MAX_LEAF_BYTES)) {
    throw new LedgerError('OVERSIZE_ENTRY', `the leaf is larger than ${MAX_LEAF_BYTES} bytes`, at);
  }
  if (!isWellFormedText(text)) throw new LedgerError('NOT_CANONICAL', 'the leaf text contains a lone surrogate', at);
  const leaf = validateLeafValue(parseCanonicalJson(text, at), at);
  checkExpectation(leaf, expect);
  return leaf;
}

/** Like parseLeafText, from the exact UTF-8 bytes (invalid UTF-8 or a BOM is NOT_CANONICAL). */
export function parseLeafBytes(bytes: Uint8Array, expect: LeafExpectation = {}): LedgerLeaf {
  const at = expect.idx ?? null;
  if (bytes.length > MAX_LEAF_BYTES)
    throw new LedgerError('OVERSIZE_ENTRY', `the leaf is larger than ${MAX_LEAF_BYTES} bytes`, at);
  let text: string;
  try {
    text = utf8Decode(bytes);
  } catch {
    throw new LedgerError('NOT_CANONICAL', 'the leaf bytes are not valid UTF-8 (or start with a byte-order mark)', at);
  }
  return parseLeafText(text, expect);
}

/** Producer side: the canonical text of `leaf` after checking it as a verifier would (same error codes). */
export function buildLeafText(leaf: LedgerLeaf): string {
  let text: string | undefined;
  try {
    text = canonicalize(leaf);
  } catch {
    throw new LedgerError(
      'NOT_CANONICAL',
      'the leaf contains a lone surrogate, a cycle or a non-finite number',
      leaf.idx,
    );
  }
  if (text === undefined) throw new LedgerError('MALFORMED_LEAF', 'the leaf is not serialisable JSON', leaf.idx);
  parseLeafText(text, { idx: leaf.idx });
  return text;
}
