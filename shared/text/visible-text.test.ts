import { describe, expect, it } from 'vitest';
import { shortfallMessage, visibleLength, visibleShortfall } from './visible-text.ts';

describe('visible characters', () => {
  it('does not count white space of any kind', () => {
    expect(visibleLength(' '.repeat(10))).toBe(0);
    expect(visibleLength('\t\n\r\u00a0\u2003\u3000\u2028')).toBe(0);
    expect(visibleLength('  rollback  ')).toBe(8);
  });

  it('does not count invisible format characters, fillers or lone surrogates', () => {
    expect(visibleLength('\u200b'.repeat(12))).toBe(0); // zero-width space
    expect(visibleLength('\u200c\u200d\u2060\ufeff\u00ad\u180e')).toBe(0); // joiners, word joiner, BOM, soft hyphen
    expect(visibleLength('\u202e\u2066\u2069\u200e')).toBe(0); // bidi controls
    expect(visibleLength('\u3164\u115f\uffa0\u2800')).toBe(0); // Hangul fillers, blank braille
    expect(visibleLength('\ufe0f\u{e0041}')).toBe(0); // variation selector, tag character
    expect(visibleLength('\ud800\udc00'.slice(0, 1))).toBe(0);
    expect(visibleLength('a\u200bb\u200bc')).toBe(3);
  });

  it('counts a user-perceived character once', () => {
    expect(visibleLength('e\u0301')).toBe(1);
    expect(visibleLength('👍🏽')).toBe(1);
    expect(visibleLength('👨‍👩‍👧')).toBe(1);
    expect(visibleLength('Zürich 東京')).toBe(8);
  });

  it('says how many more characters are needed', () => {
    expect(visibleShortfall('   abc   ', 10)).toBe(7);
    expect(visibleShortfall('0123456789', 10)).toBe(0);
    expect(shortfallMessage(' '.repeat(10), 10)).toBe(
      '10 more characters needed (at least 10; spaces and invisible characters do not count).',
    );
    expect(shortfallMessage('123456789', 10)).toBe(
      '1 more character needed (at least 10; spaces and invisible characters do not count).',
    );
    expect(shortfallMessage('payments errors after ramp', 10)).toBeNull();
  });
});
