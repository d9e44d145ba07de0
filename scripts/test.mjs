#!/usr/bin/env node
// `npm test` after bootstrap: type-check, lint, build, unit/integration tests (vitest), e2e
// (Playwright). Every step runs even after a failure so one run shows everything; the last line
// is the summary of all runners together: `N passed, N failed, N skipped`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const reports = join(root, 'build', 'reports');
mkdirSync(reports, { recursive: true });
const env = {
  ...process.env,
  PATH: `${join(root, 'node_modules', '.bin')}${process.platform === 'win32' ? ';' : ':'}${process.env.PATH}`,
};
const totals = { passed: 0, failed: 0, skipped: 0 };
const failedSteps = [];
const timings = [];

function step(name, cmd, args, extraEnv = {}) {
  process.stdout.write(`\n=== ${name} ===\n`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...env, ...extraEnv } });
  const seconds = (Date.now() - started) / 1000;
  timings.push(`${name} ${seconds.toFixed(1)} s`);
  if (r.status !== 0) failedSteps.push(name);
  return r.status === 0;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

const args = new Set(process.argv.slice(2));
const only = (name) => args.size === 0 || args.has(`--${name}`);

if (only('static')) {
  step('typecheck (tsc -b)', bin('tsc'), ['-b']);
  step('lint (eslint, layering rules)', bin('eslint'), ['--max-warnings=0', '.']);
  step('lint (prettier --check)', bin('prettier'), ['--check', '--log-level=warn', '.']);
}
if (only('unit') || only('e2e')) step('build', process.execPath, [join(root, 'scripts', 'build.mjs')]);
if (only('unit')) {
  // The Unleash suite runs a real Unleash (~200 MB, not a dependency of the console): installed once, then cached.
  step('test Unleash (npm ci, once)', process.execPath, [
    '--disable-warning=ExperimentalWarning',
    join(root, 'test-support', 'unleash-install.ts'),
  ]);
  const file = join(reports, 'vitest.json');
  rmSync(file, { force: true });
  const ok = step('unit and integration (vitest)', bin('vitest'), [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${file}`,
  ]);
  const v = readJson(file);
  if (v) {
    totals.passed += v.numPassedTests;
    // A suite that fails to load runs none of its tests: it counts as one failure of its own.
    const crashedSuites = (v.testResults ?? []).filter(
      (r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0,
    ).length;
    totals.failed += v.numFailedTests + crashedSuites;
    totals.skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
  }
  if (!ok && (!v || v.numFailedTests === 0) && totals.failed === 0) totals.failed += 1; // the runner itself failed
}
if (only('e2e')) {
  const file = join(reports, 'playwright.json');
  rmSync(file, { force: true });
  const ok = step('e2e (playwright)', bin('playwright'), ['test'], { PLAYWRIGHT_JSON_OUTPUT_FILE: file });
  const p = readJson(file);
  if (p?.stats) {
    totals.passed += p.stats.expected + (p.stats.flaky ?? 0);
    totals.failed += p.stats.unexpected;
    totals.skipped += p.stats.skipped;
  }
  if (!ok && (!p?.stats || p.stats.unexpected === 0)) totals.failed += 1;
}
// Type-check and lint are not counted as tests, but a failure of either is a failure of the run.
totals.failed += failedSteps.filter((s) => s.startsWith('typecheck') || s.startsWith('lint') || s === 'build').length;

process.stdout.write(`\nsteps: ${timings.join(', ')}\n`);
if (failedSteps.length) process.stdout.write(`failed steps: ${failedSteps.join(', ')}\n`);
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(failedSteps.length === 0 && totals.failed === 0 ? 0 : 1);
