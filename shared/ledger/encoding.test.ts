import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { fromBase64Strict, fromHex, isWellFormedText, toBase64, toHex, utf8Decode, utf8Encode } from './encoding.ts';

describe('encoding', () => {
  it('hex and base64 agree with Node for random inputs of every length 0..40', () => {
    for (let n = 0; n <= 40; n++) {
      const bytes = new Uint8Array(randomBytes(n));
      expect(toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'));
      expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      expect(fromBase64Strict(toBase64(bytes))).toEqual(bytes);
      expect(fromHex(toHex(bytes))).toEqual(bytes);
    }
  });

  it.each(['AQ', 'AQ=', 'AR==', 'A===', 'AQ==\n', ' AQ==', 'AQ==AQ==', 'A-_=', 'AQ=A'])(
    'fromBase64Strict rejects %j',
    (text) => {
      expect(() => fromBase64Strict(text)).toThrow(RangeError);
    },
  );

  it.each(['a', 'zz', 'AB', '0x00'])('fromHex rejects %j', (text) => {
    expect(() => fromHex(text)).toThrow(RangeError);
  });

  it('UTF-8 is strict both ways', () => {
    expect(utf8Decode(utf8Encode('a✓'))).toBe('a✓');
    expect(() => utf8Decode(new Uint8Array([0xc3]))).toThrow(TypeError);
    expect(() => utf8Decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toThrow(TypeError);
    expect([isWellFormedText('a\ud83d\ude00'), isWellFormedText('\ud800'), isWellFormedText('\ude00x')]).toEqual([
      true,
      false,
      false,
    ]);
  });
});
