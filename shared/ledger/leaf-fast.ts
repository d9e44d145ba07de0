/**
 * Fast acceptor for v1 leaves: one pass over the exact bytes checks canonical form, the v1 schema and the expected
 * log, idx and prev without building a JS object. It returns true only when the leaf is certainly valid; on false the
 * caller runs the reference path (parseLeafBytes), which decides and names the error. Sound, not complete: property
 * tests check it never accepts what the reference rejects.
 */
import type { Cursor } from './json-scan.ts';
import { HEX_VALUE, scanString, scanValue } from './json-scan.ts';
import { MAX_LEAF_BYTES } from './leaf.ts';

/** What the fast path compares against, pre-encoded once per log. */
export interface FastLeafExpectation {
  /** The pinned origin as canonical JSON string bytes, quotes included (see encodeLogForScan). */
  logJson: Uint8Array;
  idx: number;
  /** Raw 32-byte leaf hash of entry idx-1 (ignored for idx 0), or null to check only the format of `prev`. */
  prevHash: Uint8Array | null;
  /** Where that hash starts inside prevHash (lets bulk callers point into a block of hashes without a subarray). */
  prevOffset?: number;
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const TOP_KEYS = [
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
].map((k) => enc(`"${k}"`));
const ACTOR_HEAD = enc('{"id":');
const ACTOR_TAILS = ['user', 'service', 'system'].map((t) => enc(`,"type":"${t}"}`));
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Value spans of the 13 top-level fields, in TOP_KEYS order: start at even slots, end at odd slots. */
const spans = new Int32Array(26);

/** The pinned origin as the JSON string bytes a canonical leaf must contain for `log`. */
export function encodeLogForScan(origin: string): Uint8Array {
  return enc(JSON.stringify(origin));
}

/** One cursor reused by every scan (the scans are synchronous and never nest two of these). */
const cursor: Cursor = { b: new Uint8Array(0), p: 0, end: 0 };
function cursorAt(b: Uint8Array, p: number, end: number): Cursor {
  cursor.b = b;
  cursor.p = p;
  cursor.end = end;
  return cursor;
}

function equalsAt(b: Uint8Array, at: number, want: Uint8Array): boolean {
  if (at + want.length > b.length) return false;
  for (let k = 0; k < want.length; k++) if (b[at + k] !== want[k]) return false;
  return true;
}

/** Scans the top-level object, requiring exactly the v1 keys in canonical order, and records each value's span. */
function scanTop(c: Cursor): boolean {
  if (c.b[c.p] !== 0x7b) return false;
  c.p++;
  for (let k = 0; k < TOP_KEYS.length; k++) {
    const key = TOP_KEYS[k] as Uint8Array;
    if (!equalsAt(c.b, c.p, key) || c.b[c.p + key.length] !== 0x3a) return false;
    c.p += key.length + 1;
    spans[2 * k] = c.p;
    if (!scanValue(c, 1)) return false;
    spans[2 * k + 1] = c.p;
    if (c.b[c.p] !== (k === TOP_KEYS.length - 1 ? 0x7d : 0x2c)) return false;
    c.p++;
  }
  return c.p === c.end;
}

function digits(b: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = (b[at + k] ?? 0) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** `"YYYY-MM-DDTHH:MM:SS.mmmZ"` naming a real calendar time (the reference checks the same via Date). */
function tsOk(b: Uint8Array, s: number, e: number): boolean {
  if (e - s !== 26 || b[s + 5] !== 0x2d || b[s + 8] !== 0x2d || b[s + 11] !== 0x54 || b[s + 14] !== 0x3a) return false;
  if (b[s + 17] !== 0x3a || b[s + 20] !== 0x2e || b[s + 24] !== 0x5a) return false;
  const y = digits(b, s + 1, 4);
  const mo = digits(b, s + 6, 2);
  const d = digits(b, s + 9, 2);
  const h = digits(b, s + 12, 2);
  const mi = digits(b, s + 15, 2);
  const sec = digits(b, s + 18, 2);
  const ms = digits(b, s + 21, 3);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || ms < 0)
    return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (mo === 2 && leap ? 29 : (DAYS[mo - 1] ?? 0));
}

function actionOk(b: Uint8Array, s: number, e: number): boolean {
  let dots = 0;
  let segmentStart = true;
  for (let i = s + 1; i < e - 1; i++) {
    const ch = b[i] ?? 0;
    if (ch === 0x2e) {
      if (segmentStart) return false;
      dots++;
      segmentStart = true;
    } else if (ch >= 0x61 && ch <= 0x7a) segmentStart = false;
    else if (ch !== 0x5f || segmentStart) return false;
  }
  return dots > 0 && !segmentStart;
}

function actorOk(b: Uint8Array, s: number, e: number): boolean {
  if (!equalsAt(b, s, ACTOR_HEAD) || b[s + ACTOR_HEAD.length] !== 0x22 || b[s + ACTOR_HEAD.length + 1] === 0x22)
    return false;
  const c = cursorAt(b, s + ACTOR_HEAD.length, e);
  if (!scanString(c)) return false;
  return ACTOR_TAILS.some((tail) => c.p + tail.length === e && equalsAt(b, c.p, tail));
}

function refsOk(b: Uint8Array, s: number, e: number): boolean {
  const c = cursorAt(b, s + 1, e);
  if (b[c.p] === 0x7d) return c.p + 1 === e;
  for (;;) {
    if (!scanString(c) || b[c.p] !== 0x3a) return false;
    c.p++;
    if (b[c.p] !== 0x22 || !scanString(c)) return false;
    const sep = b[c.p++];
    if (sep === 0x7d) return c.p === e;
    if (sep !== 0x2c) return false;
  }
}

function nullableNameOk(b: Uint8Array, s: number, e: number): boolean {
  return (b[s] === 0x22 && e - s > 2) || b[s] === 0x6e;
}

function idxOk(b: Uint8Array, s: number, e: number, want: number): boolean {
  if (e - s > 15 || b[s] === 0x2d) return false;
  return digits(b, s, e - s) === want;
}

function prevOk(b: Uint8Array, s: number, e: number, idx: number, prevHash: Uint8Array | null, off: number): boolean {
  if (idx === 0) return e - s === 2;
  if (e - s !== 66) return false;
  for (let k = 0; k < 32; k++) {
    const hi = HEX_VALUE[b[s + 1 + 2 * k] ?? 0] ?? -1;
    const lo = HEX_VALUE[b[s + 2 + 2 * k] ?? 0] ?? -1;
    if (hi < 0 || lo < 0) return false;
    if (prevHash !== null && hi * 16 + lo !== prevHash[off + k]) return false;
  }
  return true;
}

function isString(b: Uint8Array, s: number): boolean {
  return b[s] === 0x22;
}

const [ACTION, ACTOR, , , ENV, FLAG, IDX, LOG, PREV, REASON, REFS, TS, V] = Array.from(
  { length: 13 },
  (_, k) => k,
) as number[];
const from = (k: number | undefined): number => spans[2 * (k ?? 0)] ?? 0;
const to = (k: number | undefined): number => spans[2 * (k ?? 0) + 1] ?? 0;

function scalarsOk(b: Uint8Array, expect: FastLeafExpectation): boolean {
  return (
    isString(b, from(ACTION)) &&
    actionOk(b, from(ACTION), to(ACTION)) &&
    nullableNameOk(b, from(ENV), to(ENV)) &&
    nullableNameOk(b, from(FLAG), to(FLAG)) &&
    idxOk(b, from(IDX), to(IDX), expect.idx) &&
    to(LOG) - from(LOG) === expect.logJson.length &&
    equalsAt(b, from(LOG), expect.logJson) &&
    isString(b, from(PREV)) &&
    prevOk(b, from(PREV), to(PREV), expect.idx, expect.prevHash, expect.prevOffset ?? 0) &&
    isString(b, from(REASON)) &&
    isString(b, from(TS)) &&
    tsOk(b, from(TS), to(TS)) &&
    to(V) - from(V) === 1 &&
    b[from(V)] === 0x31
  );
}

/** True when bytes[start, end) is certainly a valid, canonical v1 leaf matching `expect` (see the module comment). */
export function acceptLeafFast(bytes: Uint8Array, start: number, end: number, expect: FastLeafExpectation): boolean {
  if (end - start > MAX_LEAF_BYTES || end > bytes.length || start < 0) return false;
  if (!scanTop(cursorAt(bytes, start, end))) return false;
  return (
    scalarsOk(bytes, expect) &&
    actorOk(bytes, from(ACTOR), to(ACTOR)) &&
    bytes[from(REFS)] === 0x7b &&
    refsOk(bytes, from(REFS), to(REFS))
  );
}
