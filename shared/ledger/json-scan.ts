/**
 * An allocation-free scanner for RFC 8785 canonical JSON over UTF-8 bytes, used by the fast leaf acceptor. Every
 * function takes the bytes, a position and the end of the range, and returns the position just after what it scanned,
 * or -1 unless the bytes there are certainly canonical: it returns -1 for anything it does not handle (decimals,
 * exponents, non-ASCII or escaped object keys, nesting deeper than 32), leaving the decision to the reference path
 * (JSON.parse + canonicalize). Positions only grow, and nothing at or past `end` is ever accepted as part of a value.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_DEPTH = 32;
/** Value of a lowercase hex digit byte, -1 for any other byte. */
export const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;

/**
 * What a byte inside a string is: 1 for the bytes a canonical string holds as they are (printable ASCII but quote and
 * backslash), 2 for the quote, 3 for the backslash, 4 for a UTF-8 lead byte, 0 for the rest (control characters,
 * stray continuation bytes and bytes UTF-8 never uses).
 */
const CLASS = new Uint8Array(256);
for (let ch = 0x20; ch < 0x80; ch++) CLASS[ch] = 1;
CLASS[QUOTE] = 2;
CLASS[BACKSLASH] = 3;
for (let ch = 0xc2; ch <= 0xf4; ch++) CLASS[ch] = 4;
/** 1 for the short escapes JSON.stringify writes (\" \\ \b \f \n \r \t). */
const SHORT_ESCAPE = new Uint8Array(256);
for (const ch of [0x22, 0x5c, 0x62, 0x66, 0x6e, 0x72, 0x74]) SHORT_ESCAPE[ch] = 1;

function cont(b: Uint8Array, i: number, lo = 0x80, hi = 0xbf): boolean {
  const c = b[i] ?? 0;
  return c >= lo && c <= hi;
}

/** Length of a valid UTF-8 multi-byte sequence at i (lead byte ≥ 0x80), or 0 if invalid or overlong. */
function utf8Len(b: Uint8Array, i: number): number {
  const c = b[i] ?? 0;
  if (c >= 0xc2 && c <= 0xdf) return cont(b, i + 1) ? 2 : 0;
  if (c === 0xe0) return cont(b, i + 1, 0xa0) && cont(b, i + 2) ? 3 : 0;
  if (c === 0xed) return cont(b, i + 1, 0x80, 0x9f) && cont(b, i + 2) ? 3 : 0;
  if (c >= 0xe1 && c <= 0xef) return cont(b, i + 1) && cont(b, i + 2) ? 3 : 0;
  if (c === 0xf0) return cont(b, i + 1, 0x90) && cont(b, i + 2) && cont(b, i + 3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(b, i + 1) && cont(b, i + 2) && cont(b, i + 3) ? 4 : 0;
  if (c === 0xf4) return cont(b, i + 1, 0x80, 0x8f) && cont(b, i + 2) && cont(b, i + 3) ? 4 : 0;
  return 0;
}

/** \u escapes are canonical only for control characters without a short form, in lowercase hex. */
function unicodeEscapeOk(b: Uint8Array, i: number): boolean {
  if (b[i] !== 0x30 || b[i + 1] !== 0x30) return false;
  const hi = HEX_VALUE[b[i + 2] ?? 0] ?? -1;
  const lo = HEX_VALUE[b[i + 3] ?? 0] ?? -1;
  if (hi < 0 || hi > 1 || lo < 0) return false;
  const v = hi * 16 + lo;
  return v !== 8 && v !== 9 && v !== 10 && v !== 12 && v !== 13;
}

/** The string at p (which must be a quote) in JSON.stringify's exact form: the position after its closing quote. */
export function scanString(b: Uint8Array, p: number, end: number): number {
  let i = p + 1;
  for (;;) {
    // The common case in one table lookup per byte: a run of plain ASCII.
    let k = 0;
    while (i < end && (k = CLASS[b[i] ?? 0] ?? 0) === 1) i++;
    if (i >= end) return -1;
    if (k === 2) return i + 1;
    if (k === 3) {
      const e = b[i + 1] ?? 0;
      if (SHORT_ESCAPE[e] === 1) i += 2;
      else if (e === 0x75 && unicodeEscapeOk(b, i + 2)) i += 6;
      else return -1;
    } else if (k === 4) {
      const n = utf8Len(b, i);
      if (n === 0) return -1;
      i += n;
    } else return -1;
  }
}

/** Small integers only (≤ 15 digits are always safe); anything else goes to the slow path. */
function scanNumber(b: Uint8Array, p: number, end: number): number {
  let i = p;
  if (b[i] === 0x2d) i++;
  const first = b[i] ?? 0;
  if (first < 0x30 || first > 0x39) return -1;
  if (first === 0x30) {
    if (i !== p) return -1; // "-0" is not canonical
    i++;
  } else {
    const start = i;
    while (i < end && (b[i] ?? 0) >= 0x30 && (b[i] ?? 0) <= 0x39) i++;
    if (i - start > 15) return -1;
  }
  const next = b[i] ?? 0;
  if (next === 0x2e || next === 0x65 || next === 0x45 || (next >= 0x30 && next <= 0x39)) return -1;
  return i;
}

/** The exact bytes `want` at p (within end): the position after them. */
export function scanBytes(b: Uint8Array, p: number, end: number, want: Uint8Array): number {
  const n = want.length;
  if (p < 0 || p + n > end) return -1;
  for (let k = 0; k < n; k++) if (b[p + k] !== want[k]) return -1;
  return p + n;
}

/** Byte-wise comparison of two ASCII key spans: negative, zero or positive like a comparator. */
export function compareSpans(b: Uint8Array, a0: number, a1: number, b0: number, b1: number): number {
  const n = Math.min(a1 - a0, b1 - b0);
  for (let k = 0; k < n; k++) {
    const d = (b[a0 + k] ?? 0) - (b[b0 + k] ?? 0);
    if (d !== 0) return d;
  }
  return a1 - a0 - (b1 - b0);
}

/** A key in the fast path: printable ASCII without escapes (so byte order equals UTF-16 order). */
export function scanSimpleKey(b: Uint8Array, p: number, end: number): number {
  if (b[p] !== QUOTE) return -1;
  let i = p + 1;
  let k = 0;
  while (i < end && (k = CLASS[b[i] ?? 0] ?? 0) === 1) i++;
  return i < end && k === 2 ? i + 1 : -1;
}

/**
 * The object at p (which must be `{`) whose keys are simple, unique and in canonical order; its members' values are
 * any canonical value, or only strings with `stringValues`.
 */
export function scanObject(b: Uint8Array, p: number, end: number, depth: number, stringValues = false): number {
  let i = p + 1;
  if (b[i] === 0x7d) return i + 1;
  let prevStart = -1;
  let prevEnd = -1;
  for (;;) {
    const keyStart = i;
    i = scanSimpleKey(b, i, end);
    if (i < 0) return -1;
    if (prevStart >= 0 && compareSpans(b, prevStart, prevEnd, keyStart, i) >= 0) return -1;
    prevStart = keyStart;
    prevEnd = i;
    if (b[i] !== 0x3a) return -1;
    if (stringValues) i = b[i + 1] === QUOTE ? scanString(b, i + 1, end) : -1;
    else i = scanValue(b, i + 1, end, depth + 1);
    if (i < 0) return -1;
    const sep = b[i];
    i++;
    if (sep === 0x7d) return i;
    if (sep !== 0x2c) return -1;
  }
}

function scanArray(b: Uint8Array, p: number, end: number, depth: number): number {
  let i = p + 1;
  if (b[i] === 0x5d) return i + 1;
  for (;;) {
    i = scanValue(b, i, end, depth + 1);
    if (i < 0) return -1;
    const sep = b[i];
    i++;
    if (sep === 0x5d) return i;
    if (sep !== 0x2c) return -1;
  }
}

const TRUE = new Uint8Array([0x74, 0x72, 0x75, 0x65]);
const FALSE = new Uint8Array([0x66, 0x61, 0x6c, 0x73, 0x65]);
const NULL = new Uint8Array([0x6e, 0x75, 0x6c, 0x6c]);

/** Any canonical JSON value at p. */
export function scanValue(b: Uint8Array, p: number, end: number, depth: number): number {
  if (depth > MAX_DEPTH || p >= end) return -1;
  switch (b[p]) {
    case QUOTE:
      return scanString(b, p, end);
    case 0x7b:
      return scanObject(b, p, end, depth);
    case 0x5b:
      return scanArray(b, p, end, depth);
    case 0x74:
      return scanBytes(b, p, end, TRUE);
    case 0x66:
      return scanBytes(b, p, end, FALSE);
    case 0x6e:
      return scanBytes(b, p, end, NULL);
    default:
      return scanNumber(b, p, end);
  }
}
