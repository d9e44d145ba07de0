/**
 * Byte encodings without Node's Buffer (shared/ runs anywhere). Decoders are strict: they throw a RangeError on
 * anything but the one canonical spelling, because lenient decoding lets two different strings mean the same bytes.
 */

const HEX = '0123456789abcdef';
const HEX_PAIRS: string[] = Array.from({ length: 256 }, (_, i) => HEX.charAt(Math.floor(i / 16)) + HEX.charAt(i % 16));
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Map<string, number>(Array.from(B64, (c, i) => [c, i]));

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX_PAIRS[bytes[i] ?? 0];
  return out;
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** Bytes of a lowercase hex string; throws RangeError on odd length, uppercase or any other character. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new RangeError('hex string has an odd length');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexDigit(hex.charCodeAt(2 * i));
    const lo = hexDigit(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new RangeError('hex string has a character outside 0-9a-f');
    out[i] = hi * 16 + lo;
  }
  return out;
}

/** Standard padded base64 (RFC 4648 §4) of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] ?? 0;
    const b = bytes[i + 1] ?? 0;
    const c = bytes[i + 2] ?? 0;
    const n = a * 65536 + b * 256 + c;
    out += B64.charAt(Math.floor(n / 262144)) + B64.charAt(Math.floor(n / 4096) % 64);
    out += i + 1 < bytes.length ? B64.charAt(Math.floor(n / 64) % 64) : '=';
    out += i + 2 < bytes.length ? B64.charAt(n % 64) : '=';
  }
  return out;
}

/**
 * Bytes of standard padded base64, accepting only the canonical spelling: length a multiple of 4, alphabet
 * `A-Za-z0-9+/`, at most two `=` at the very end, zero unused bits, no whitespace. Throws RangeError otherwise.
 */
export function fromBase64Strict(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new RangeError('base64 length is not a multiple of 4');
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const body = text.length - pad;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < body; i++) {
    const v = B64_VALUE.get(text.charAt(i));
    if (v === undefined) throw new RangeError(`base64 has an invalid character at ${i}`);
    acc = (acc % 256) * 64 + v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = Math.floor(acc / 2 ** bits) % 256;
    }
  }
  if (acc % 2 ** bits !== 0) throw new RangeError('base64 has non-zero unused bits (non-canonical)');
  if (toBase64(out) !== text) throw new RangeError('base64 is not in canonical form');
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 bytes of `text`. Lone surrogates would be replaced, so callers check well-formedness first where it matters. */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Text of UTF-8 `bytes`; throws TypeError on invalid UTF-8 (never substitutes U+FFFD) and on a leading byte-order
 * mark, which a decoder would otherwise drop silently (the text would then not round-trip to the same bytes).
 */
export function utf8Decode(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    throw new TypeError('UTF-8 text starts with a byte-order mark');
  return decoder.decode(bytes);
}

/** True when `text` has no lone UTF-16 surrogate (so its UTF-8 encoding is lossless). */
export function isWellFormedText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c >= 0xdc00) return false;
    const next = text.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}
