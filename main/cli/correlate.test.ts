import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { at } from '../../shared/correlate/test-support/entries.ts';
import {
  leafTexts,
  replicaWith,
  signedCheckpoint,
  testEntries,
  testVerifierKey,
} from '../correlate/test-support/test-ledger.ts';

const CLI = fileURLToPath(new URL('./index.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'correlate-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const texts = leafTexts(testEntries());
const exportFile = join(dir, 'ledger.ndjson');
writeFileSync(exportFile, texts.join('\n') + '\n');

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'correlate', ...args], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('tombstone-console correlate --entries', () => {
  it('ranks an exported ledger as JSON: contract fields, context, everything unverified without a checkpoint', () => {
    const r = cli('--entries', exportFile, '--incident', 'PD-1', '--json');
    expect([r.code, r.err]).toEqual([0, '']);
    const out = JSON.parse(r.out) as {
      candidates: Record<string, unknown>[];
      context: Record<string, unknown>[];
      notes: string[];
    };
    expect(
      out.candidates.map((c) => [c['candidate_rank'], c['flag_key'], c['ledger_idx'], c['verified'], c['confidence']]),
    ).toEqual([
      [1, 'checkout.pay.v2', 2, false, 'HIGH'],
      [2, 'search.rank.v2', 3, false, 'LOW'],
    ]);
    expect(Object.keys(out.candidates[0]!).sort()).toEqual([
      'actor',
      'after_alert',
      'candidate_rank',
      'confidence',
      'delta_seconds_before_alert',
      'environment',
      'explanation',
      'flag_key',
      'ledger_idx',
      'new_value',
      'pre_approved',
      'previous_value',
      'scheduled',
      'score',
      'verified',
    ]);
    expect(out.context.map((c) => [c['ledger_idx'], c['actor']])).toEqual([[4, 'system:evaluator']]);
    expect(out.notes[0]).toBe(
      'No checkpoint given: all 6 entries are treated as unverified (pass --checkpoint <export>/checkpoint.txt and --key <pinned vkey> to verify them).',
    );
  });

  it("without a checkpoint, still says when the export's hash chain breaks or a line is not the canonical leaf text", () => {
    const notesOf = (lines: string[]): string[] => {
      const r = cli('--entries', file('edited.ndjson', lines.join('\n')), '--incident', 'PD-1', '--json');
      expect(r.code).toBe(0);
      return (JSON.parse(r.out) as { notes: string[] }).notes.filter((n) => /hash chain|canonical/.test(n));
    };
    expect(notesOf(texts)).toEqual([]);
    expect(notesOf(texts.map((t, i) => (i === 3 ? t.replace('"bob"', '"eve"') : t)))).toEqual([
      "The export's hash chain breaks at idx 4: its prev is not the leaf hash of the entry before it. The file was edited, reordered or spliced after export; get a fresh export and verify it with --checkpoint.",
    ]);
    expect(
      notesOf(texts.map((t, i) => (i === 2 ? JSON.stringify(JSON.parse(t), null, 1).replaceAll('\n', '') : t))),
    ).toEqual([
      "The export's hash chain breaks at idx 3: its prev is not the leaf hash of the entry before it. The file was edited, reordered or spliced after export; get a fresh export and verify it with --checkpoint.",
      'Entry idx 2 is not in canonical form (RFC 8785): these are not the exact bytes the log hashed, so no checkpoint can verify them.',
    ]);
  });

  it('marks exactly the entries a verified checkpoint covers', () => {
    const note = file('cp.txt', signedCheckpoint(texts, 3));
    const r = cli(
      '--entries',
      exportFile,
      '--incident',
      'PD-1',
      '--json',
      '--checkpoint',
      note,
      '--key',
      testVerifierKey(),
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { candidates: { ledger_idx: number; verified: boolean }[]; notes: string[] };
    expect(out.candidates.map((c) => [c.ledger_idx, c.verified])).toEqual([
      [2, true],
      [3, false],
    ]);
    expect(out.notes[0]).toBe('The checkpoint covers entries 0..2; the 3 after them are unverified.');
  });

  it('fails (exit 1) when the export was altered under the checkpoint or no trusted key signed it', () => {
    const note = file('cp6.txt', signedCheckpoint(texts, 6));
    const altered = file('altered.ndjson', texts.map((t, i) => (i === 3 ? t.replace('"bob"', '"eve"') : t)).join('\n'));
    const tampered = cli(
      '--entries',
      altered,
      '--incident',
      'PD-1',
      '--checkpoint',
      note,
      '--trusted-key',
      testVerifierKey(),
    );
    expect([tampered.code, tampered.err.split(':').slice(0, 2).join(':')]).toEqual([1, 'E_CHECKPOINT: ROOT_MISMATCH']);
    const other = file('cp-other.txt', signedCheckpoint(texts, 6, 'other-log'));
    const untrusted = cli(
      '--entries',
      exportFile,
      '--incident',
      'PD-1',
      '--checkpoint',
      other,
      '--trusted-key',
      testVerifierKey(),
    );
    expect([untrusted.code, untrusted.err.split(':').slice(0, 2).join(':')]).toEqual([
      1,
      'E_CHECKPOINT: NO_TRUSTED_SIGNATURE',
    ]);
  });

  it('ranks around a typed-in time and service, honours --limit, and prints words', () => {
    const r = cli('--entries', exportFile, '--at', at(0), '--service', 'search-api', '--limit', '1');
    expect(r.code).toBe(0);
    expect(r.out).toContain('#1  search.rank.v2  production');
    expect(r.out).not.toContain('#2');
    expect(r.out).toContain('×10 evaluated by search-api');
  });

  it('uses a telemetry file', () => {
    const samples = [-900, -840, -780, -240, -180, -120].map((s) => ({
      at: at(s),
      error_rate: s < -300 ? 0.004 : 0.09,
    }));
    const tel = file('tel.json', JSON.stringify({ flags: { 'checkout.pay.v2': samples } }));
    const r = cli('--entries', exportFile, '--incident', 'PD-1', '--json', '--telemetry', tel);
    const top = (JSON.parse(r.out) as { candidates: { explanation: { factor: string; multiplier: number }[] }[] })
      .candidates[0]!;
    expect(top.explanation.find((f) => f.factor === 'telemetry')!.multiplier).toBe(7.5);
  });

  it('exits 1 for an unknown incident and 2 for usage, I/O and malformed input', () => {
    expect(cli('--entries', exportFile, '--incident', 'PD-404').code).toBe(1);
    expect(cli('--entries', exportFile).code).toBe(2);
    expect(cli('--entries', exportFile, '--db', 'x', '--incident', 'PD-1').code).toBe(2);
    expect(cli('--entries', exportFile, '--at', 'yesterday').code).toBe(2);
    expect(cli('--entries', exportFile, '--incident', 'PD-1', '--window', '30 minutes').code).toBe(2);
    expect(cli('--entries', join(dir, 'missing.ndjson'), '--incident', 'PD-1').err).toMatch(
      /^E_IO: cannot read ledger export/,
    );
    const broken = file('broken.ndjson', [texts[0], texts[1], '{"v":1}'].join('\n'));
    const bad = cli('--entries', broken, '--incident', 'PD-1');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^E_INPUT: line 3 is not a v1 ledger leaf: a v1 leaf has exactly the keys/);
  });

  it('with --json, an error is also the one JSON document on stdout', () => {
    const missing = cli('--entries', exportFile, '--incident', 'PD-404', '--json');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^E_INCIDENT_NOT_FOUND: no incident.triggered entry for incident "PD-404"/);
    expect(JSON.parse(missing.out)).toEqual({
      error: { code: 'E_INCIDENT_NOT_FOUND', message: missing.err.trim().replace(/^E_INCIDENT_NOT_FOUND: /, '') },
    });
    const usage = cli('--entries', exportFile, '--json');
    expect(usage.code).toBe(2);
    expect((JSON.parse(usage.out) as { error: { code: string; message: string } }).error).toEqual({
      code: 'E_USAGE',
      message: usage.err.split('\n')[0]!.replace(/^E_USAGE: /, ''),
    });
  });
});

describe('tombstone-console correlate --db', () => {
  it("ranks from a replica file, with verification from the replica's own state", () => {
    const path = join(dir, 'replica.sqlite');
    replicaWith(texts, 3, path).close();
    const r = cli('--db', path, '--incident', 'PD-1', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { candidates: { ledger_idx: number; verified: boolean }[] };
    expect(out.candidates.map((c) => [c.ledger_idx, c.verified])).toEqual([
      [2, true],
      [3, false],
    ]);
    expect(cli('--db', join(dir, 'none.sqlite'), '--incident', 'PD-1').err).toMatch(/^E_IO: cannot open replica/);
  });
});
