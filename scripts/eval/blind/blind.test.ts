import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { rankExport } from '../../../main/correlate/rank-export.ts';

const dir = mkdtempSync(join(tmpdir(), 'blind-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

describe('the blind scenario set', () => {
  it('writes valid ledgers (canonical, chained, replayable) whose true cause the export path always lists', () => {
    const gen = spawnSync(process.execPath, [script('gen.mjs'), dir, 'hard', '6', '22'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect([gen.status, gen.stdout.trim()]).toEqual([0, `wrote 6 hard scenarios to ${join(dir, 'hard')}`]);
    const manifest = join(dir, 'hard', 'manifest.json');
    const valid = spawnSync(process.execPath, [script('validate.mjs'), manifest], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect([valid.status, valid.stdout.trim()]).toEqual([0, 'all ledgers valid']);
    const truths = JSON.parse(readFileSync(manifest, 'utf8')) as {
      file: string;
      incident_id: string;
      true_idx: number;
    }[];
    expect(truths).toHaveLength(6);
    for (const t of truths) {
      const r = rankExport({
        text: readFileSync(t.file, 'utf8'),
        checkpoint: null,
        trustedKeys: [],
        query: { kind: 'incident', id: t.incident_id },
        service: null,
        environment: null,
        options: { limit: 500 },
        telemetry: null,
      });
      expect(r.candidates.some((c) => c.ledger_idx === t.true_idx)).toBe(true);
      expect(r.notes.filter((n) => /hash chain|canonical/.test(n))).toEqual([]); // the generator's chain is intact
    }
  });
});
