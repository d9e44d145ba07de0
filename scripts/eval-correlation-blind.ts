/**
 * `npm run eval:correlation:blind`: the blind scenario set (scripts/eval/blind/, written from the issue and the
 * protocol docs only, without reading the model) ranked through the `correlate --entries` path, next to the seed
 * baseline. Options: --cli (spawn the real command for every scenario: slower, the end-to-end check), --keep DIR
 * (write the scenarios there instead of a temporary folder), --per-mix N (default 150).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rankExport } from '../main/correlate/rank-export.ts';

interface Truth {
  id: string;
  file: string;
  incident_id: string;
  true_idx: number;
  cause_kind: string;
}

interface Line {
  idx: number;
  ts: string;
  action: string;
  env: string | null;
  refs: Record<string, string>;
  after: { triggered_at?: string } | null;
}

/** The mixes the blind generator makes, with the seeds its author used. */
const MIXES = [
  { mix: 'easy', seed: 11 },
  { mix: 'hard', seed: 22 },
] as const;
const CHANGE = new Set([
  'flag.updated',
  'flag.killed',
  'flag.rolled_back',
  'break_glass.used',
  'change_request.applied',
  'schedule.executed',
]);
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

function parseArgs(argv: readonly string[]): { cli: boolean; keep: string | null; perMix: number } {
  const a = { cli: false, keep: null as string | null, perMix: 150 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--cli') a.cli = true;
    else if (argv[i] === '--keep' && argv[i + 1] !== undefined) a.keep = argv[++i]!;
    else if (argv[i] === '--per-mix' && Number.isSafeInteger(Number(argv[i + 1])) && Number(argv[i + 1]) > 0)
      a.perMix = Number(argv[++i]);
    else throw new Error(`E_USAGE: unknown or incomplete option ${argv[i] ?? ''}; use --cli, --keep DIR, --per-mix N`);
  }
  return a;
}

function node(args: string[]): string {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`E_EVAL: ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Rank of the true cause (1-based; 0 when it is not a candidate) through the export path. */
function ourRank(t: Truth, cli: boolean): number {
  if (cli) {
    const r = spawnSync(
      here('../bin/tombstone-console'),
      ['correlate', '--entries', t.file, '--incident', t.incident_id, '--limit', '500', '--json'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (r.status !== 0) throw new Error(`E_EVAL: ${t.id}: correlate exited ${String(r.status)}: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { candidates: { ledger_idx: number }[] };
    return out.candidates.findIndex((c) => c.ledger_idx === t.true_idx) + 1;
  }
  const result = rankExport({
    text: readFileSync(t.file, 'utf8'),
    checkpoint: null,
    trustedKeys: [],
    query: { kind: 'incident', id: t.incident_id },
    service: null,
    environment: null,
    options: { limit: 500 },
    telemetry: null,
  });
  return result.candidates.findIndex((c) => c.ledger_idx === t.true_idx) + 1;
}

/** The seed's ranking: every change with an environment in [T − 30 min, T], exp(−0.1 × minutes), later first on ties. */
function baselineRank(t: Truth): number {
  const lines = readFileSync(t.file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
  const incident = lines.find((l) => l.action === 'incident.triggered' && l.refs['incident'] === t.incident_id);
  const T = Date.parse(incident?.after?.triggered_at ?? incident?.ts ?? '');
  const scored = lines
    .filter((l) => CHANGE.has(l.action) && l.env !== null)
    .map((l) => ({ idx: l.idx, minutes: (T - Date.parse(l.ts)) / 60_000 }))
    .filter((c) => c.minutes >= 0 && c.minutes <= 30)
    .sort((a, b) => a.minutes - b.minutes || b.idx - a.idx);
  return scored.findIndex((c) => c.idx === t.true_idx) + 1;
}

function metrics(ranks: readonly number[]): { p1: number; p3: number; mrr: number } {
  const n = Math.max(1, ranks.length);
  return {
    p1: ranks.filter((r) => r === 1).length / n,
    p3: ranks.filter((r) => r >= 1 && r <= 3).length / n,
    mrr: ranks.reduce((s, r) => s + (r >= 1 ? 1 / r : 0), 0) / n,
  };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const dir = args.keep ?? mkdtempSync(join(tmpdir(), 'tombstone-blind-'));
  const started = performance.now();
  try {
    const f = (x: number): string => x.toFixed(3);
    console.log(
      `Blind correlation set (scripts/eval/blind): ${args.perMix} scenarios per mix, ranked through ${args.cli ? 'the correlate command' : 'the correlate --entries path in process'}\n`,
    );
    console.log(`${'mix'.padEnd(6)} ${'n'.padStart(4)} | ours  p@1   p@3   MRR  | seed  p@1   p@3   MRR  | Δp@1`);
    const kinds: string[] = [];
    for (const { mix, seed } of MIXES) {
      node([here('eval/blind/gen.mjs'), dir, mix, String(args.perMix), String(seed)]);
      const manifest = join(dir, mix, 'manifest.json');
      const valid = node([here('eval/blind/validate.mjs'), manifest]);
      if (!valid.includes('all ledgers valid'))
        throw new Error(`E_EVAL: the ${mix} ledgers failed their own checks: ${valid}`);
      const truths = JSON.parse(readFileSync(manifest, 'utf8')) as Truth[];
      const ours = truths.map((t) => ourRank(t, args.cli));
      const base = truths.map(baselineRank);
      const [o, b] = [metrics(ours), metrics(base)];
      console.log(
        `${mix.padEnd(6)} ${String(truths.length).padStart(4)} |      ${f(o.p1)} ${f(o.p3)} ${f(o.mrr)} |      ${f(b.p1)} ${f(b.p3)} ${f(b.mrr)} | ${o.p1 - b.p1 >= 0 ? '+' : ''}${f(o.p1 - b.p1)}`,
      );
      const byKind = new Map<string, number[]>();
      truths.forEach((t, i) => byKind.set(t.cause_kind, [...(byKind.get(t.cause_kind) ?? []), ours[i]!]));
      kinds.push(
        `${mix}: ` +
          [...byKind]
            .sort(([a], [c]) => a.localeCompare(c))
            .map(([k, r]) => `${k} ${r.filter((x) => x === 1).length}/${r.length}`)
            .join(', '),
      );
    }
    console.log(`\np@1 by kind of cause (right/total):\n${kinds.join('\n')}`);
    console.log(`\nTotal ${((performance.now() - started) / 1000).toFixed(1)} s.`);
  } finally {
    if (args.keep === null) rmSync(dir, { recursive: true, force: true });
  }
}

main();
