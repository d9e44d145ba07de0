/**
 * MurmurHash3 x86 32-bit (Austin Appleby's reference algorithm) over the UTF-8 bytes of a string, computed without
 * allocating: code points are encoded on the fly and fed four bytes at a time. Lone surrogates are encoded as U+FFFD
 * (what every UTF-8 encoder emits for them).
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixH(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3 x86 32 of the UTF-8 encoding of `text` with `seed` (default 0), as an unsigned 32-bit integer. */
export function murmur3Utf8(text: string, seed = 0): number {
  return murmur3Utf8Pair(text, '', seed);
}

/** MurmurHash3 x86 32 of the UTF-8 encoding of `a + b`, without building the concatenation. */
export function murmur3Utf8Pair(a: string, b: string, seed = 0): number {
  let h = seed | 0;
  let k = 0;
  let n = 0; // bytes in the current block (0..3)
  let len = 0;
  const total = a.length + b.length;
  for (let i = 0; i < total; i++) {
    let cp = i < a.length ? a.charCodeAt(i) : b.charCodeAt(i - a.length);
    let bytes: number; // up to four UTF-8 bytes, first byte lowest
    let count: number;
    if (cp < 0x80) {
      bytes = cp;
      count = 1;
    } else {
      if (cp >= 0xd800 && cp <= 0xdbff) {
        const j = i + 1;
        const next = j < total ? (j < a.length ? a.charCodeAt(j) : b.charCodeAt(j - a.length)) : 0;
        if (next >= 0xdc00 && next <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
          i++;
        } else cp = 0xfffd;
      } else if (cp >= 0xdc00 && cp <= 0xdfff) cp = 0xfffd;
      if (cp < 0x800) {
        bytes = 0xc0 | (cp >> 6) | ((0x80 | (cp & 0x3f)) << 8);
        count = 2;
      } else if (cp < 0x10000) {
        bytes = 0xe0 | (cp >> 12) | ((0x80 | ((cp >> 6) & 0x3f)) << 8) | ((0x80 | (cp & 0x3f)) << 16);
        count = 3;
      } else {
        bytes =
          0xf0 |
          (cp >> 18) |
          ((0x80 | ((cp >> 12) & 0x3f)) << 8) |
          ((0x80 | ((cp >> 6) & 0x3f)) << 16) |
          ((0x80 | (cp & 0x3f)) << 24);
        count = 4;
      }
    }
    for (let c = 0; c < count; c++) {
      k |= ((bytes >>> (c << 3)) & 0xff) << (n << 3);
      len++;
      if (++n === 4) {
        h = mixH(h, k);
        k = 0;
        n = 0;
      }
    }
  }
  if (n > 0) h ^= mixK(k);
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The bucket flagd's `fractional` assigns to a 32-bit hash for a total weight: floor(hash × total / 2^32). With a total
 * of 100 this is the percentage bucket 0..99; a rollout of p % serves buckets 0..p-1.
 */
export function bucketOf(hash: number, totalWeight: number): number {
  // hash < 2^32 and totalWeight ≤ 2^31 - 1: the product is below 2^63, so split it to stay exact in doubles.
  const hi = Math.floor(hash / 0x10000);
  const lo = hash % 0x10000;
  return Math.floor((hi * totalWeight + Math.floor((lo * totalWeight) / 0x10000)) / 0x10000);
}

/** The percentage bucket (0..99) of a flag key and targeting key, exactly as flagd's `fractional` computes it. */
export function rolloutBucket(flagKey: string, targetingKey: string): number {
  return bucketOf(murmur3Utf8Pair(flagKey, targetingKey), 100);
}
