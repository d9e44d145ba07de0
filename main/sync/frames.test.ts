import { describe, expect, it } from 'vitest';
import { classifyFrame, exceedsLeafLimit } from './frames.ts';

const leaf = (idx: number, reason = 'r'): string =>
  `{"action":"flag.updated","actor":{"id":"alice","type":"user"},"after":null,"before":null,"env":null,"flag":null,"idx":${idx},"log":"l","prev":"","reason":"${reason}","refs":{},"ts":"2026-01-01T00:00:00.000Z","v":1}`;

describe('stream frame validation', () => {
  it('accepts an entry whose id matches the leaf inside', () => {
    expect(classifyFrame('entry', leaf(7), '7')).toEqual({ kind: 'entry', idx: 7, text: leaf(7) });
  });

  it('rejects bad ids, id/leaf mismatches (a frame whose id went missing) and oversize entries, with codes', () => {
    expect(classifyFrame('entry', leaf(7), '')).toMatchObject({ kind: 'rejected', code: 'E_FRAME_BAD_ID', idx: null });
    expect(classifyFrame('entry', leaf(7), '07')).toMatchObject({ code: 'E_FRAME_BAD_ID' });
    expect(classifyFrame('entry', leaf(7), '99999999999999999999')).toMatchObject({ code: 'E_FRAME_BAD_ID' });
    expect(classifyFrame('entry', leaf(8), '7')).toMatchObject({ code: 'E_FRAME_ID_MISMATCH', idx: 7 });
    expect(classifyFrame('entry', leaf(7, 'x'.repeat(70_000)), '7')).toMatchObject({ code: 'OVERSIZE_ENTRY', idx: 7 });
  });

  it('measures the limit in UTF-8 bytes', () => {
    expect(exceedsLeafLimit('é'.repeat(32_768))).toBe(false);
    expect(exceedsLeafLimit('é'.repeat(32_769))).toBe(true);
    expect(exceedsLeafLimit('a'.repeat(65_536))).toBe(false);
    expect(exceedsLeafLimit('a'.repeat(65_537))).toBe(true);
  });

  it('parses checkpoint and heartbeat frames and rejects malformed ones', () => {
    expect(classifyFrame('checkpoint', JSON.stringify({ note: 'n\n' }), '3')).toEqual({
      kind: 'checkpoint',
      note: 'n\n',
    });
    expect(classifyFrame('checkpoint', '{"note":', '3')).toMatchObject({ code: 'E_FRAME_BAD_JSON' });
    expect(classifyFrame('checkpoint', '{"note":5}', '3')).toMatchObject({ code: 'E_FRAME_BAD_JSON' });
    expect(classifyFrame('checkpoint', JSON.stringify({ note: 'x'.repeat(40_000) }), '')).toMatchObject({
      code: 'E_FRAME_OVERSIZE',
    });
    expect(classifyFrame('heartbeat', '{"ts":"t","size":12}', '')).toEqual({ kind: 'heartbeat', size: 12 });
    expect(classifyFrame('heartbeat', '{"size":-1}', '')).toEqual({ kind: 'heartbeat', size: null });
    expect(classifyFrame('heartbeat', 'garbage', '')).toMatchObject({ code: 'E_FRAME_BAD_JSON' });
    expect(classifyFrame('message', 'garbage', '')).toMatchObject({ code: 'E_FRAME_UNKNOWN_EVENT' });
  });
});
