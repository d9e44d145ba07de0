import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHighWaterMark, fileHighWaterMark, markOf } from './high-water-mark.ts';

const root = (b: number): Uint8Array => new Uint8Array(32).fill(b);
const replica = { origin: 'o', size: 10, root: root(10), rootAt: (n: number) => root(n) };

function code(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

describe('high-water mark', () => {
  it('writes plain JSON with mode 0600 and reads it back', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hwm-')), 'r.hwm');
    const store = fileHighWaterMark(path);
    expect(store.read()).toBeNull();
    store.write(markOf('o', 3, root(3)));
    expect(store.read()).toEqual({ origin: 'o', size: 3, root: '03'.repeat(32) });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('uses the injected codec (e.g. safeStorage) both ways', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hwm-')), 'r.hwm');
    const codec = {
      encode: (b: Uint8Array) => Uint8Array.from(b, (x) => x ^ 0x5a),
      decode: (b: Uint8Array) => Uint8Array.from(b, (x) => x ^ 0x5a),
    };
    fileHighWaterMark(path, codec).write(markOf('o', 4, root(4)));
    expect(readFileSync(path).toString('utf8')).not.toContain('origin');
    expect(fileHighWaterMark(path, codec).read()?.size).toBe(4);
    expect(code(() => fileHighWaterMark(path).read())).toBe('HIGH_WATER_MARK_ROLLBACK');
  });

  it('treats an unreadable mark as a rollback signal', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hwm-')), 'r.hwm');
    writeFileSync(path, '{"origin":"o","size":-1,"root":"00"}');
    expect(code(() => fileHighWaterMark(path).read())).toBe('HIGH_WATER_MARK_ROLLBACK');
  });

  it('accepts the same or an older consistent mark, rejects a newer one, another root or another origin', () => {
    expect(code(() => checkHighWaterMark(markOf('o', 10, root(10)), replica, 'm'))).toBe('ok');
    expect(code(() => checkHighWaterMark(markOf('o', 7, root(7)), replica, 'm'))).toBe('ok');
    expect(code(() => checkHighWaterMark(markOf('o', 11, root(11)), replica, 'm'))).toBe('HIGH_WATER_MARK_ROLLBACK');
    expect(code(() => checkHighWaterMark(markOf('o', 10, root(9)), replica, 'm'))).toBe('HIGH_WATER_MARK_ROLLBACK');
    expect(code(() => checkHighWaterMark(markOf('o', 7, root(8)), replica, 'm'))).toBe('HIGH_WATER_MARK_ROLLBACK');
    expect(code(() => checkHighWaterMark(markOf('p', 10, root(10)), replica, 'm'))).toBe('ORIGIN_MISMATCH');
  });
});
