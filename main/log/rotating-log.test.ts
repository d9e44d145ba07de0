import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRotatingLog } from './rotating-log.ts';

describe('rotating log', () => {
  it('writes JSON lines with a timestamp and level', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tsc-log-')), 'logs', 'console.log');
    const log = openRotatingLog({ file, now: () => new Date('2026-11-25T03:00:00.000Z') });
    log.log('warn', 'replica behind', { idx: 7 });
    expect(readFileSync(file, 'utf8')).toBe(
      '{"ts":"2026-11-25T03:00:00.000Z","level":"warn","msg":"replica behind","idx":7}\n',
    );
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('rotates past the size limit and keeps only N old files', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tsc-log-')), 'console.log');
    const log = openRotatingLog({ file, maxBytes: 200, keep: 2 });
    for (let i = 0; i < 40; i++) log.log('info', `record ${i} ${'x'.repeat(40)}`);
    expect(statSync(file).size).toBeLessThanOrEqual(200);
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(existsSync(`${file}.2`)).toBe(true);
    expect(existsSync(`${file}.3`)).toBe(false);
    expect(readFileSync(file, 'utf8')).toContain('record 39');
  });
});
