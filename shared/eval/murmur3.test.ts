import { describe, expect, it } from 'vitest';
import { bucketOf, murmur3Utf8, murmur3Utf8Pair, rolloutBucket } from './murmur3.ts';

describe('murmur3Utf8', () => {
  // Published MurmurHash3_x86_32 vectors (reference C++ implementation over UTF-8 bytes).
  const vectors: [string, number, number][] = [
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['\0\0\0\0', 0, 0x2362f9de],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['aaa', 0x9747b28c, 0x283e0130],
    ['aa', 0x9747b28c, 0x5d211726],
    ['a', 0x9747b28c, 0x7fa09ea6],
    ['abcd', 0x9747b28c, 0xf0478627],
    ['abc', 0x9747b28c, 0xc84a62dd],
    ['ab', 0x9747b28c, 0x74875592],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['ππππππππ', 0x9747b28c, 0xd58063c1],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
    ['My hovercraft is full of eels.', 0, 2953494853],
    ['My 🚀 is full of 🦎.', 0, 1818098979],
    ['吉 星 高 照', 0, 3435142074],
  ];
  it.each(vectors)('%j seed %d', (text, seed, want) => {
    expect(murmur3Utf8(text, seed)).toBe(want);
  });

  it('hashes a pair exactly like its concatenation, a surrogate pair split between them included', () => {
    for (const [a, b] of [
      ['payments.card.rollout', 'user-1'],
      ['a', ''],
      ['', 'ü'],
      ['a\ud83d', '\ude80b'],
      ['吉', '星 高 照'],
    ] as const) {
      expect(murmur3Utf8Pair(a, b)).toBe(murmur3Utf8(a + b));
    }
  });

  it('hashes a lone surrogate like its UTF-8 replacement character', () => {
    expect(murmur3Utf8('a\ud800b')).toBe(murmur3Utf8('a\ufffdb'));
  });
});

describe('bucketOf', () => {
  it('is floor(hash * total / 2^32), exact at the extremes', () => {
    expect(bucketOf(0, 100)).toBe(0);
    expect(bucketOf(0xffffffff, 100)).toBe(99);
    expect(bucketOf(0x80000000, 100)).toBe(50);
    expect(bucketOf(0xffffffff, 2147483647)).toBe(2147483646);
    for (const h of [1, 42949672, 42949673, 1234567890, 4000000000]) {
      expect(bucketOf(h, 100)).toBe(Number((BigInt(h) * 100n) >> 32n));
      expect(bucketOf(h, 2147483647)).toBe(Number((BigInt(h) * 2147483647n) >> 32n));
    }
  });

  it('places a flag key + targeting key in 0..99', () => {
    expect(rolloutBucket('a.b.c', 'u-1')).toBe(Number((BigInt(murmur3Utf8('a.b.cu-1')) * 100n) >> 32n));
  });
});
