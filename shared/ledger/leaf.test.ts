import { describe, expect, it } from 'vitest';
import type { LedgerLeaf } from './leaf.ts';
import { MAX_LEAF_BYTES, buildLeafText, parseLeafBytes, parseLeafText } from './leaf.ts';
import { utf8Encode } from './encoding.ts';

const LOG = 'example.com/flags-ledger';
const PREV = 'ab'.repeat(32);
function leaf(over: Partial<LedgerLeaf> = {}): LedgerLeaf {
  return {
    v: 1,
    log: LOG,
    idx: 3,
    ts: '2026-11-25T03:12:45.123Z',
    actor: { type: 'user', id: 'alice' },
    action: 'flag.updated',
    flag: 'payments.checkout.new-flow',
    env: 'prod',
    before: { enabled: false, rollout_pct: 0 },
    after: { enabled: true, rollout_pct: 25 },
    reason: 'ramp — step 2 ✓',
    refs: { change_request: 'cr-17' },
    prev: PREV,
    ...over,
  };
}
const good = buildLeafText(leaf());

function code(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? 'thrown';
  }
}

describe('buildLeafText / parseLeafText', () => {
  it('builds RFC 8785 text with sorted keys, raw non-ASCII and no whitespace, and parses it back', () => {
    expect(
      good.startsWith('{"action":"flag.updated","actor":{"id":"alice","type":"user"},"after":{"enabled":true'),
    ).toBe(true);
    expect(good).toContain('"reason":"ramp — step 2 ✓"');
    expect(parseLeafText(good, { log: LOG, idx: 3, prev: PREV })).toEqual(leaf());
  });

  it.each([
    ['whitespace', good.replace('{"action"', '{ "action"')],
    [
      'key reorder',
      good.replace(
        '{"action":"flag.updated","actor":{"id":"alice","type":"user"}',
        '{"actor":{"id":"alice","type":"user"},"action":"flag.updated"}'.slice(0, -1),
      ),
    ],
    ['duplicate key', good.replace('{"action":"flag.updated",', '{"action":"flag.updated","action":"flag.updated",')],
    ['1.0 instead of 1', good.replace('"v":1', '"v":1.0')],
    ['escaped non-ASCII', good.replace('✓', '\\u2713')],
    ['escaped slash', good.replace('cr-17', 'cr\\/17')],
    ['uppercase escape', good.replace('ramp', '\\u0052amp')],
    ['big integer', good.replace('"rollout_pct":25', '"rollout_pct":9007199254740993')],
    ['2^53 exactly', good.replace('"rollout_pct":25', '"rollout_pct":9007199254740992')],
    ['huge exponent', good.replace('"rollout_pct":25', '"rollout_pct":1e+21')],
    ['lone surrogate escape', good.replace('ramp', '\\ud800ramp')],
    ['raw lone surrogate', good.replace('ramp', '\ud800ramp')],
    ['trailing newline', good + '\n'],
  ])('rejects %s with NOT_CANONICAL', (_name, text) => {
    expect(code(() => parseLeafText(text))).toBe('NOT_CANONICAL');
  });

  it.each([
    ['not JSON', '{"v":1'],
    ['an array', '[]'],
    ['unknown field', good.replace('"v":1}', '"v":1,"w":1}')],
    ['v 2', good.replace('"v":1', '"v":2')],
    ['negative idx', good.replace('"idx":3', '"idx":-3')],
    ['fractional idx', good.replace('"idx":3', '"idx":3.5')],
    ['ts without ms', good.replace('45.123Z', '45Z')],
    ['ts not UTC', good.replace('45.123Z', '45.123+01:00')],
    ['ts on Feb 30', good.replace('2026-11-25', '2026-02-30')],
    ['actor type', good.replace('"type":"user"', '"type":"robot"')],
    ['action shape', good.replace('flag.updated', 'Flag Updated')],
    ['empty flag', good.replace('"flag":"payments.checkout.new-flow"', '"flag":""')],
    ['numeric ref', good.replace('"cr-17"', '17')],
    ['uppercase prev', good.replace(PREV, PREV.toUpperCase())],
  ])('rejects %s with MALFORMED_LEAF', (_name, text) => {
    expect(code(() => parseLeafText(text))).toBe('MALFORMED_LEAF');
  });

  it('checks the expectations: log, idx, prev (and prev "" exactly at idx 0)', () => {
    expect(code(() => parseLeafText(good, { log: 'example.com/other' }))).toBe('LOG_MISMATCH');
    expect(code(() => parseLeafText(good, { idx: 4 }))).toBe('IDX_MISMATCH');
    expect(code(() => parseLeafText(good, { prev: 'cd'.repeat(32) }))).toBe('PREV_MISMATCH');
    expect(code(() => buildLeafText(leaf({ idx: 0 })))).toBe('PREV_MISMATCH');
    expect(code(() => buildLeafText(leaf({ prev: '' })))).toBe('PREV_MISMATCH');
    expect(code(() => buildLeafText(leaf({ idx: 0, prev: '' })))).toBe('ok');
  });

  it('bounds the size (OVERSIZE_ENTRY), counting UTF-8 bytes', () => {
    expect(code(() => buildLeafText(leaf({ reason: 'x'.repeat(MAX_LEAF_BYTES) })))).toBe('OVERSIZE_ENTRY');
    expect(code(() => buildLeafText(leaf({ reason: '✓'.repeat(22000) })))).toBe('OVERSIZE_ENTRY');
    expect(code(() => buildLeafText(leaf({ reason: '✓'.repeat(20000) })))).toBe('ok');
  });

  it('parses exact bytes and rejects invalid UTF-8 and a BOM', () => {
    const bytes = utf8Encode(good);
    expect(parseLeafBytes(bytes).idx).toBe(3);
    expect(code(() => parseLeafBytes(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes])))).toBe('NOT_CANONICAL');
    const broken = bytes.slice();
    broken[bytes.indexOf(0xe2)] = 0xff;
    expect(code(() => parseLeafBytes(broken))).toBe('NOT_CANONICAL');
    expect(code(() => parseLeafBytes(new Uint8Array(MAX_LEAF_BYTES + 1)))).toBe('OVERSIZE_ENTRY');
  });

  it('reports the position it was given on failures', () => {
    try {
      parseLeafText(good, { idx: 9 });
    } catch (err) {
      expect([(err as { code: string }).code, (err as { idx: number }).idx]).toEqual(['IDX_MISMATCH', 9]);
    }
    expect.assertions(1);
  });
});
