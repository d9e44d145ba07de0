/**
 * An allocation-free scanner for RFC 8785 canonical JSON over UTF-8 bytes, used by the fast leaf acceptor. Every
 * function returns true only when the bytes are certainly canonical; it returns false for anything it does not handle
 * (decimals, exponents, non-ASCII or escaped object keys, nesting deeper than 32), leaving the decision to the
 * reference path (JSON.parse + canonicalize).
 */

/** Mutable cursor over a byte range [p, end). */
export interface Cursor {
  b: Uint8Array;
  p: number;
  end: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_DEPTH = 32;
const SHORT_ESCAPES = new Set([0x22, 0x5c, 0x62, 0x66, 0x6e, 0x72, 0x74]);
/** Value of a lowercase hex digit byte, -1 for any other byte. */
export const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;

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

/** 1 for the bytes a string holds as they are (printable ASCII but quote and backslash), 0 for the rest. */
const PLAIN = new Uint8Array(256);
for (let ch = 0x20; ch < 0x80; ch++) PLAIN[ch] = ch === QUOTE || ch === BACKSLASH ? 0 : 1;

/** Scans a string at c.p (which must be a quote); true if it is in JSON.stringify's exact form. */
export function scanString(c: Cursor): boolean {
  const b = c.b;
  const end = c.end;
  let i = c.p + 1;
  for (;;) {
    // The common case in one table lookup per byte: a run of plain ASCII.
    while (i < end && PLAIN[b[i] ?? 0] === 1) i++;
    if (i >= end) return false;
    const ch = b[i] ?? 0;
    if (ch === QUOTE) break;
    if (ch < 0x20) return false;
    if (ch === BACKSLASH) {
      const e = b[i + 1] ?? 0;
      if (SHORT_ESCAPES.has(e)) i += 2;
      else if (e === 0x75 && unicodeEscapeOk(b, i + 2)) i += 6;
      else return false;
    } else if (ch < 0x80) {
      i++;
    } else {
      const n = utf8Len(b, i);
      if (n === 0) return false;
      i += n;
    }
  }
  c.p = i + 1;
  return true;
}

/** Small non-negative or negative integers only (≤ 15 digits are always safe); anything else goes to the slow path. */
function scanNumber(c: Cursor): boolean {
  const b = c.b;
  let i = c.p;
  if (b[i] === 0x2d) i++;
  const first = b[i] ?? 0;
  if (first < 0x30 || first > 0x39) return false;
  if (first === 0x30) {
    if (i !== c.p) return false; // "-0" is not canonical
    i++;
  } else {
    const start = i;
    while (i < c.end && (b[i] ?? 0) >= 0x30 && (b[i] ?? 0) <= 0x39) i++;
    if (i - start > 15) return false;
  }
  const next = b[i] ?? 0;
  if (next === 0x2e || next === 0x65 || next === 0x45 || (next >= 0x30 && next <= 0x39)) return false;
  c.p = i;
  return true;
}

/** Matches an exact ASCII word at c.p. */
export function scanLiteral(c: Cursor, word: string): boolean {
  for (let k = 0; k < word.length; k++) if (c.b[c.p + k] !== word.charCodeAt(k)) return false;
  c.p += word.length;
  return true;
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
function scanSimpleKey(c: Cursor): boolean {
  const b = c.b;
  if (b[c.p] !== QUOTE) return false;
  let i = c.p + 1;
  while (i < c.end && b[i] !== QUOTE) {
    const ch = b[i] ?? 0;
    if (ch < 0x20 || ch > 0x7e || ch === BACKSLASH) return false;
    i++;
  }
  if (i >= c.end) return false;
  c.p = i + 1;
  return true;
}

function scanObject(c: Cursor, depth: number): boolean {
  c.p++;
  if (c.b[c.p] === 0x7d) {
    c.p++;
    return true;
  }
  let prevStart = -1;
  let prevEnd = -1;
  for (;;) {
    const keyStart = c.p;
    if (!scanSimpleKey(c)) return false;
    if (prevStart >= 0 && compareSpans(c.b, prevStart, prevEnd, keyStart, c.p) >= 0) return false;
    prevStart = keyStart;
    prevEnd = c.p;
    if (c.b[c.p] !== 0x3a) return false;
    c.p++;
    if (!scanValue(c, depth + 1)) return false;
    const sep = c.b[c.p];
    c.p++;
    if (sep === 0x7d) return true;
    if (sep !== 0x2c) return false;
  }
}

function scanArray(c: Cursor, depth: number): boolean {
  c.p++;
  if (c.b[c.p] === 0x5d) {
    c.p++;
    return true;
  }
  for (;;) {
    if (!scanValue(c, depth + 1)) return false;
    const sep = c.b[c.p];
    c.p++;
    if (sep === 0x5d) return true;
    if (sep !== 0x2c) return false;
  }
}

/** Scans any canonical JSON value at c.p. */
export function scanValue(c: Cursor, depth: number): boolean {
  if (depth > MAX_DEPTH || c.p >= c.end) return false;
  switch (c.b[c.p]) {
    case QUOTE:
      return scanString(c);
    case 0x7b:
      return scanObject(c, depth);
    case 0x5b:
      return scanArray(c, depth);
    case 0x74:
      return scanLiteral(c, 'true');
    case 0x66:
      return scanLiteral(c, 'false');
    case 0x6e:
      return scanLiteral(c, 'null');
    default:
      return scanNumber(c);
  }
}
