/**
 * Fast acceptor for v1 leaves: one pass over the exact bytes checks canonical form, the v1 schema and the expected
 * log, idx and prev without building a JS object. It returns true only when the leaf is certainly valid; on false the
 * caller runs the reference path (parseLeafBytes), which decides and names the error. Sound, not complete: property
 * tests check it never accepts what the reference rejects.
 */
import { scanBytes, scanObject, scanString, scanValue } from './json-scan.ts';
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

/** Fixed bytes to match, also as big-endian 32-bit words (compared four bytes per load). */
interface Literal {
  bytes: Uint8Array;
  words: Uint32Array;
}
function literal(bytes: Uint8Array): Literal {
  const words = new Uint32Array(Math.floor(bytes.length / 4));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let j = 0; j < words.length; j++) words[j] = view.getUint32(4 * j);
  return { bytes, words };
}
const lit = (s: string): Literal => literal(enc(s));

// The v1 keys in canonical order, each with the separator before it and the colon after it.
const OPEN_ACTION = lit('{"action":');
const ACTOR_ID = lit(',"actor":{"id":');
const ACTOR_TAILS = ['user', 'service', 'system'].map((t) => lit(`,"type":"${t}"}`));
const AFTER = lit(',"after":');
const BEFORE = lit(',"before":');
const ENV = lit(',"env":');
const FLAG = lit(',"flag":');
const IDX = lit(',"idx":');
const LOG = lit(',"log":');
const PREV = lit(',"prev":');
const REASON = lit(',"reason":');
const REFS = lit(',"refs":');
const TS = lit(',"ts":');
const V1_CLOSE = lit(',"v":1}');
const NULL = enc('null');
/** The byte two lowercase hex digits spell, read as one big-endian 16-bit value; -1 for anything else. */
const HEX_PAIR = new Int16Array(65536).fill(-1);
for (let hi = 0; hi < 16; hi++)
  for (let lo = 0; lo < 16; lo++)
    HEX_PAIR[('0123456789abcdef'.charCodeAt(hi) << 8) | '0123456789abcdef'.charCodeAt(lo)] = hi * 16 + lo;

/** The two lowercase hex digits of each byte value as one big-endian 16-bit number. */
const HEX_OF = new Uint16Array(256);
for (let byte = 0; byte < 256; byte++)
  HEX_OF[byte] = ('0123456789abcdef'.charCodeAt(byte >> 4) << 8) | '0123456789abcdef'.charCodeAt(byte & 15);

// One DataView over the bytes being scanned, kept while the same buffer comes back (bulk callers pass one block).
let viewed: Uint8Array | null = null;
let view: DataView = new DataView(new ArrayBuffer(0));
function viewOf(b: Uint8Array): DataView {
  if (b !== viewed) {
    view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    viewed = b;
  }
  return view;
}

/** `want` at p (within end): the position after it. */
function scanLiteral(v: DataView, b: Uint8Array, p: number, end: number, want: Literal): number {
  const bytes = want.bytes;
  const n = bytes.length;
  if (p < 0 || p + n > end) return -1;
  const words = want.words;
  let k = 0;
  for (let j = 0; j < words.length; j++, k += 4) if (v.getUint32(p + k) !== words[j]) return -1;
  for (; k < n; k++) if (b[p + k] !== bytes[k]) return -1;
  return p + n;
}
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The pinned origin as the JSON string bytes a canonical leaf must contain for `log`. */
export function encodeLogForScan(origin: string): Uint8Array {
  return enc(JSON.stringify(origin));
}

// Whether the last expected `log` bytes seen are themselves a canonical JSON string (checked once per log, not per leaf).
let checkedLog: Uint8Array | null = null;
let logLiteral: Literal | null = null;
function logUsable(logJson: Uint8Array): Literal | null {
  if (logJson !== checkedLog) {
    const ok = logJson.length > 2 && scanString(logJson, 0, logJson.length) === logJson.length;
    logLiteral = ok ? literal(logJson) : null;
    checkedLog = logJson;
  }
  return logLiteral;
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

/** `"YYYY-MM-DDTHH:MM:SS.mmmZ"` naming a real calendar time at p (the reference checks the same via Date). */
function scanTs(b: Uint8Array, p: number, end: number): number {
  const s = p;
  if (s + 26 > end || b[s] !== 0x22 || b[s + 25] !== 0x22) return -1;
  if (b[s + 5] !== 0x2d || b[s + 8] !== 0x2d || b[s + 11] !== 0x54 || b[s + 14] !== 0x3a) return -1;
  if (b[s + 17] !== 0x3a || b[s + 20] !== 0x2e || b[s + 24] !== 0x5a) return -1;
  const y = digits(b, s + 1, 4);
  const mo = digits(b, s + 6, 2);
  const d = digits(b, s + 9, 2);
  const h = digits(b, s + 12, 2);
  const mi = digits(b, s + 15, 2);
  const sec = digits(b, s + 18, 2);
  const ms = digits(b, s + 21, 3);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || ms < 0)
    return -1;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (mo === 2 && leap ? 29 : (DAYS[mo - 1] ?? 0)) ? s + 26 : -1;
}

/** `"domain.verb"`: segments of [a-z][a-z_]* joined by dots, at least two (plain ASCII, so no escapes to consider). */
function scanAction(b: Uint8Array, p: number, end: number): number {
  if (b[p] !== 0x22) return -1;
  let dots = 0;
  let segmentStart = true;
  for (let i = p + 1; i < end; i++) {
    const ch = b[i] ?? 0;
    if (ch >= 0x61 && ch <= 0x7a) segmentStart = false;
    else if (ch === 0x5f && !segmentStart) continue;
    else if (ch === 0x2e && !segmentStart) {
      dots++;
      segmentStart = true;
    } else if (ch === 0x22) return dots > 0 && !segmentStart ? i + 1 : -1;
    else return -1;
  }
  return -1;
}

/** `{"id":"…","type":"user|service|system"}` with a non-empty id. */
function scanActor(v: DataView, b: Uint8Array, p: number, end: number): number {
  if (b[p] !== 0x22 || b[p + 1] === 0x22) return -1;
  const i = scanString(b, p, end);
  if (i < 0) return -1;
  for (const tail of ACTOR_TAILS) {
    const j = scanLiteral(v, b, i, end, tail);
    if (j >= 0) return j;
  }
  return -1;
}

/** A non-empty string or null (flag, env). */
function scanNullableName(b: Uint8Array, p: number, end: number): number {
  if (b[p] !== 0x22) return scanBytes(b, p, end, NULL);
  const i = scanString(b, p, end);
  return i - p > 2 ? i : -1;
}

/** The canonical decimal form of `want` (no sign, no leading zero, at most 15 digits). */
function scanIdx(b: Uint8Array, p: number, end: number, want: number): number {
  if (b[p] === 0x30) return want === 0 ? p + 1 : -1;
  let v = 0;
  let i = p;
  for (; i < end && i - p <= 15; i++) {
    const d = (b[i] ?? 0) - 0x30;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
  }
  return i > p && i - p <= 15 && v === want ? i : -1;
}

/** `""` for idx 0, else 64 lowercase hex digits equal to the previous leaf hash when one is given. */
function scanPrev(
  v: DataView,
  b: Uint8Array,
  p: number,
  end: number,
  idx: number,
  prevHash: Uint8Array | null,
  off: number,
): number {
  if (b[p] !== 0x22) return -1;
  if (idx === 0) return b[p + 1] === 0x22 && p + 2 <= end ? p + 2 : -1;
  if (p + 66 > end || b[p + 65] !== 0x22) return -1;
  if (prevHash !== null) {
    // Four hex digits per load against the previous hash spelled out (all ASCII, so the words stay below 2^31).
    for (let k = 0; k < 32; k += 2) {
      const want = ((HEX_OF[prevHash[off + k] ?? 0] ?? 0) << 16) | (HEX_OF[prevHash[off + k + 1] ?? 0] ?? 0);
      if (v.getUint32(p + 1 + 2 * k) !== want || off + k + 1 >= prevHash.length) return -1;
    }
    return p + 66;
  }
  for (let k = 0; k < 32; k++) if ((HEX_PAIR[v.getUint16(p + 1 + 2 * k)] ?? -1) < 0) return -1;
  return p + 66;
}

/** An object of string values with simple keys in canonical order (refs). */
function scanRefs(b: Uint8Array, p: number, end: number): number {
  return b[p] === 0x7b ? scanObject(b, p, end, 1, true) : -1;
}

/**
 * True when bytes[start, end) is certainly a valid, canonical v1 leaf matching `expect` (see the module comment). One
 * pass: the keys and separators are matched as fixed bytes in canonical order, each value is checked where it stands
 * (log as the exact expected bytes, prev against the previous hash, ts and action by their shape), and only the
 * free-form values (before, after, reason, refs, names) go through the generic canonical scanner.
 */
export function acceptLeafFast(bytes: Uint8Array, start: number, end: number, expect: FastLeafExpectation): boolean {
  if (end - start > MAX_LEAF_BYTES || end > bytes.length || start < 0) return false;
  const log = logUsable(expect.logJson);
  if (log === null) return false;
  const b = bytes;
  const v = viewOf(b);
  let p = scanLiteral(v, b, start, end, OPEN_ACTION);
  if (p >= 0) p = scanAction(b, p, end);
  if (p >= 0) p = scanLiteral(v, b, p, end, ACTOR_ID);
  if (p >= 0) p = scanActor(v, b, p, end);
  if (p >= 0) p = scanLiteral(v, b, p, end, AFTER);
  if (p >= 0) p = scanValue(b, p, end, 1);
  if (p >= 0) p = scanLiteral(v, b, p, end, BEFORE);
  if (p >= 0) p = scanValue(b, p, end, 1);
  if (p >= 0) p = scanLiteral(v, b, p, end, ENV);
  if (p >= 0) p = scanNullableName(b, p, end);
  if (p >= 0) p = scanLiteral(v, b, p, end, FLAG);
  if (p >= 0) p = scanNullableName(b, p, end);
  if (p >= 0) p = scanLiteral(v, b, p, end, IDX);
  if (p >= 0) p = scanIdx(b, p, end, expect.idx);
  if (p >= 0) p = scanLiteral(v, b, p, end, LOG);
  if (p >= 0) p = scanLiteral(v, b, p, end, log);
  if (p >= 0) p = scanLiteral(v, b, p, end, PREV);
  if (p >= 0) p = scanPrev(v, b, p, end, expect.idx, expect.prevHash, expect.prevOffset ?? 0);
  if (p >= 0) p = scanLiteral(v, b, p, end, REASON);
  if (p >= 0) p = b[p] === 0x22 ? scanString(b, p, end) : -1;
  if (p >= 0) p = scanLiteral(v, b, p, end, REFS);
  if (p >= 0) p = scanRefs(b, p, end);
  if (p >= 0) p = scanLiteral(v, b, p, end, TS);
  if (p >= 0) p = scanTs(b, p, end);
  if (p >= 0) p = scanLiteral(v, b, p, end, V1_CLOSE);
  return p === end;
}
