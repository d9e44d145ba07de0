/**
 * `npm run eval:correlation`: seeded incident scenarios with one known cause hidden in realistic noise, ranked by our
 * model and by the seed baseline (exp(-0.1 × minutes), top 3, no annotations). Prints precision@1, precision@3 and MRR
 * side by side per difficulty mix. Options: --per-mix N (default 240), --seed S, --json, --tags, --export DIR (write the
 * first 10 scenarios of each mix as NDJSON exports plus a manifest, for `tombstone-console correlate --entries`).
 */
import { exportScenarios, sameThroughExport } from './eval/export.ts';
import { MIXES } from './eval/mixes.ts';
import { evaluateMix, scenarioSeed, type MixResult } from './eval/run-eval.ts';
import { generateScenario } from './eval/scenario.ts';

interface Args {
  perMix: number;
  seed: number;
  json: boolean;
  tags: boolean;
  exportDir: string | null;
}

/** Scenarios per mix re-ranked through the NDJSON export path (what the CLI reads) to check it agrees. */
const EXPORT_CHECKS = 10;

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { perMix: 240, seed: 20261125, json: false, tags: false, exportDir: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isSafeInteger(v) || v < 0) throw new Error(`E_USAGE: ${a} needs a whole number`);
      return v;
    };
    if (a === '--per-mix') args.perMix = Math.max(1, value());
    else if (a === '--seed') args.seed = value();
    else if (a === '--json') args.json = true;
    else if (a === '--tags') args.tags = true;
    else if (a === '--export') {
      const dir = argv[++i];
      if (dir === undefined) throw new Error('E_USAGE: --export needs a directory');
      args.exportDir = dir;
    } else
      throw new Error(`E_USAGE: unknown option ${a ?? ''}; use --per-mix N, --seed S, --json, --tags, --export DIR`);
  }
  return args;
}

const f = (x: number): string => x.toFixed(3);

function table(results: readonly MixResult[]): string {
  const head = `${'mix'.padEnd(15)} ${'n'.padStart(5)} | ours  p@1   p@3   MRR  | seed  p@1   p@3   MRR  | Δp@1`;
  const rows = results.map(
    (r) =>
      `${r.mix.padEnd(15)} ${String(r.ours.n).padStart(5)} |      ${f(r.ours.p1)} ${f(r.ours.p3)} ${f(r.ours.mrr)} |      ${f(r.baseline.p1)} ${f(r.baseline.p3)} ${f(r.baseline.mrr)} | ${(r.ours.p1 - r.baseline.p1 >= 0 ? '+' : '') + f(r.ours.p1 - r.baseline.p1)}`,
  );
  return [head, '-'.repeat(head.length), ...rows].join('\n');
}

function calibration(results: readonly MixResult[]): string {
  return results
    .map(
      (r) =>
        `${r.mix.padEnd(15)} ` +
        (['HIGH', 'MEDIUM'] as const).map((c) => `${c} ${r.calibration[c].correct}/${r.calibration[c].n}`).join('  '),
    )
    .join('\n');
}

function ceiling(results: readonly MixResult[]): string {
  return results
    .map(
      (r) =>
        `${r.mix.padEnd(15)} oracle p@1 ${f(r.oracle.p1)} p@3 ${f(r.oracle.p3)}; misses ${Math.round((1 - r.ours.p1) * r.ours.n)}, dominated on every factor ${r.dominatedMisses}`,
    )
    .join('\n');
}

function tagTable(results: readonly MixResult[]): string {
  return results
    .map(
      (r) =>
        `${r.mix}:\n` +
        Object.entries(r.byTag)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(
            ([tag, t]) =>
              `  ${tag.padEnd(16)} n=${String(t.n).padStart(4)}  ours p@1 ${f(t.ours / t.n)}  seed p@1 ${f(t.baseline / t.n)}`,
          )
          .join('\n'),
    )
    .join('\n');
}

function firstScenarios(seed: number): ReturnType<typeof generateScenario>[] {
  return MIXES.flatMap((mix, m) =>
    Array.from({ length: EXPORT_CHECKS }, (_, n) => generateScenario(mix, scenarioSeed(seed, m, n), n)),
  );
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const results = MIXES.map((mix, m) => evaluateMix(mix, m, args.perMix, args.seed));
  const sample = firstScenarios(args.seed);
  const disagreements = sample.filter((s) => !sameThroughExport(s)).length;
  if (args.exportDir !== null) exportScenarios(args.exportDir, sample);
  if (args.json) {
    process.stdout.write(
      JSON.stringify({ seed: args.seed, per_mix: args.perMix, results, export_disagreements: disagreements }, null, 2) +
        '\n',
    );
    return disagreements === 0 ? 0 : 1;
  }
  const total = results.reduce((s, r) => s + r.ours.n, 0);
  process.stdout.write(`Correlation evaluation: ${total} scenarios, seed ${args.seed}\n\n${table(results)}\n\n`);
  process.stdout.write(
    `Our top-1 confidence vs correctness (right/total; the top is never LOW):\n${calibration(results)}\n\n`,
  );
  process.stdout.write(
    `Ceilings (oracle = the generator's own posterior; dominated = the top candidate beats the cause on every factor):\n${ceiling(results)}\n\n`,
  );
  if (args.tags) process.stdout.write(`p@1 by situation:\n${tagTable(results)}\n\n`);
  const ms = results.reduce((s, r) => s + r.msPerRanking * r.ours.n, 0) / Math.max(1, total);
  process.stdout.write(
    `Export path (NDJSON → CLI ranking) agreed with in-memory ranking on ${sample.length - disagreements}/${sample.length} scenarios.\n`,
  );
  if (args.exportDir !== null)
    process.stdout.write(`Wrote ${sample.length} scenarios and manifest.json to ${args.exportDir}.\n`);
  process.stdout.write(
    `Mean ranking time ${ms.toFixed(2)} ms per scenario (in memory); total ${((performance.now() - started) / 1000).toFixed(1)} s.\n`,
  );
  return disagreements === 0 ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
