/**
 * `npm run bench:ui`: renderer performance in headless Chromium (the system browser) against the console in browser
 * mode, offline (its profile points at a loopback port where nothing listens), with a 1,000,000-entry verified replica
 * and, as the baseline measured in the same run, a 20,000-entry one. Per size it measures:
 *   - the console's start (spawn → URL printed; the median of three starts), which includes the cheap launch check
 *     but not the deep re-verification that follows it in the background (both also timed on their own in this
 *     process with the options the console uses); goal: the large replica's start ≤ 1.5 s and ≤ 1.3× the baseline's;
 *   - navigation start → incident screen shown (`main-screen` visible with ≥ 1 visible incident; first paint after),
 *     cold (median of three loads, each in a fresh browser context) and as the median of warm reloads, and →
 *     candidate #1 shown (informational);
 *   - the ledger drawer (`L`): 5 s of rAF-driven scrollTop steps at a constant 4 px/ms on the `ledger-grid`, every frame
 *     timed by the same rAF loop (median fps, p95 frame time = the 5th-percentile fps, hitches > 50 ms), right after the
 *     same loop for 5 s without scrolling (what the page and the busy machine allow then), and a 3 s sweep over the whole
 *     table height (informational);
 *   - the JS heap after the 5 s scroll (performance.memory with --enable-precise-memory-info; CDP after a forced GC);
 *   - the SDK fleet view (`F`) open over the offline console's last fleet snapshot of 1,000 instances: key → every
 *     instance shown, 5 s idle and 5 s of its own scroll (median fps), heap and DOM nodes with it open.
 * Targets (issue #9, for the large replica): screen ≤ 1.5 s, median ≥ 55 fps, heap ≤ 300 MB — with the fleet view
 * open too (issue #18).
 * Environment: BENCH_UI_N (1000000), BENCH_UI_BASELINE_N (20000), BENCH_UI_TIMEOUT_S (300, the measurement),
 * BENCH_UI_BUILD_TIMEOUT_S (300, building the cached replicas on a first run),
 * BENCH_UI_SPACING_S (30: seconds between entries' timestamps, see scripts/bench-ui/replica-cache.ts),
 * BENCH_UI_CACHE_DIR (parent of the cached replicas, default the temp dir), BENCH_UI_JSON (write results there too).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from '../e2e/support/chromium.ts';
import { startProcess, type Started } from '../e2e/support/processes.ts';
import { VIEWPORT } from '../e2e/support/ui.ts';
import { loadavg } from 'node:os';
import { cheapCheck } from '../main/ledger/launch-check.ts';
import { deepCheck } from '../main/ledger/preflight.ts';
import {
  heap,
  ipcTracker,
  loadScreen,
  openDrawer,
  prepare,
  scroll,
  settled,
  openFleet,
  warmReloads,
  type HeapResult,
  type LoadResult,
  type ScrollResult,
} from './bench-ui/browser-run.ts';
import {
  BENCH_FLEET,
  BENCH_ORIGIN,
  benchTrustedKeys,
  cachedReplica,
  consoleDataDir,
  deadUrl,
} from './bench-ui/replica-cache.ts';
import { formatTable, median, type ResultRow } from './bench-ui/stats.ts';

const LARGE = Number(process.env['BENCH_UI_N'] ?? 1_000_000);
const SMALL = Number(process.env['BENCH_UI_BASELINE_N'] ?? 20_000);
const TIMEOUT_S = Number(process.env['BENCH_UI_TIMEOUT_S'] ?? 300);
const SPACING_S = Number(process.env['BENCH_UI_SPACING_S'] ?? 30);
const BUILD_TIMEOUT_S = Number(process.env['BENCH_UI_BUILD_TIMEOUT_S'] ?? 300);
const SCROLL = { durationMs: 5000, pxPerMs: 4, sweep: false };
const SWEEP = { durationMs: 3000, pxPerMs: 0, sweep: true };
/** The same rAF loop with the drawer open and nothing scrolled: what the page and the machine allow right then. */
const IDLE = { durationMs: 5000, pxPerMs: 0, sweep: false };
/** The fleet view's own scroll (its tables scroll inside the dialog), at the drawer scroll's speed. */
const FLEET_SCROLL = { durationMs: 5000, pxPerMs: 4, sweep: false, target: '[data-testid="fleet-dialog"]' };
const WARM_RELOADS = 3;
/** Cold loads, each in a fresh browser context (no cache, new session); the table shows their median. */
const COLD_LOADS = 3;

/** Everything measured for one replica size. */
interface SizeResult {
  n: number;
  builtSeconds: number | null;
  cheapCheckMs: number;
  deepCheckMs: number;
  /** Median of the console starts (spawn → URL). */
  consoleStartMs: number;
  consoleStarts: number[];
  /** The cold load whose screen time is the median of COLD_LOADS (its breakdown is printed). */
  cold: LoadResult | null;
  /** Screen times (painted) of every cold load, in order. */
  coldScreens: number[];
  /** After the cold load: when the main thread's last long task ended (it then stayed quiet for 1 s). */
  settledMs: number | null;
  longestTaskMs: number | null;
  warmScreenMs: number | null;
  drawerMs: number | null;
  idleFrames: ScrollResult | null;
  scroll: ScrollResult | null;
  sweep: ScrollResult | null;
  heap: HeapResult | null;
  heapAfterSweepMb: number | null;
  /** The SDK fleet view (BENCH_FLEET instances from the offline console's last snapshot): key → all rows shown. */
  fleetOpenMs: number | null;
  fleetIdle: ScrollResult | null;
  fleetScroll: ScrollResult | null;
  fleetHeap: HeapResult | null;
  notes: string[];
}

const cleanups = new Set<() => Promise<void>>();
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const started = performance.now();
/** Progress on stderr (the results go to stdout). */
const progress = (line: string): void => {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${line}\n`);
};

/** Times the two halves of the launch check on their own, with the options the console uses. */
async function launchCheck(replicaPath: string): Promise<{ cheapMs: number; deepMs: number }> {
  const t0 = performance.now();
  const cheap = cheapCheck(replicaPath, BENCH_ORIGIN, benchTrustedKeys());
  const cheapMs = performance.now() - t0;
  if (cheap.failure !== null) throw new Error(`bench replica failed the cheap check: ${cheap.failure.code}`);
  const t1 = performance.now();
  const deep = await deepCheck(replicaPath, { origin: BENCH_ORIGIN, trustedKeys: benchTrustedKeys() });
  if (deep.failure !== null) throw new Error(`bench replica failed deep verification: ${deep.failure.code}`);
  return { cheapMs, deepMs: performance.now() - t1 };
}

/** Console starts per size, one per cold load; the last one stays up for the other browser phases. */
const STARTS = COLD_LOADS;

/** Starts `serve` offline over the prepared data dir; resolves with its URL and the spawn → URL time. */
async function startConsole(dataDir: string): Promise<{ stop: () => Promise<void>; url: string; ms: number }> {
  const t0 = performance.now();
  const started: Started = await startProcess(
    ['main/cli/index.ts', 'serve', '--port', '0', '--data', dataDir],
    /console \(browser mode\) at (\S+)/,
    120_000,
  );
  const ms = performance.now() - t0;
  const stop = (): Promise<void> => started.stop();
  cleanups.add(stop);
  return { stop, url: started.match[1] ?? '', ms };
}

const BOUNDS = { screenMs: 60_000, candidatesMs: 90_000 };

/**
 * One cold load in a fresh browser context against a console started for it (the launch token in the URL can be
 * exchanged once only: every fresh context needs a fresh start), left once the page went quiet.
 */
async function coldLoad(browser: Browser, url: string, r: SizeResult, i: number): Promise<LoadResult | null> {
  progress(`${r.n}: cold load ${i} of ${COLD_LOADS}`);
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    const tracker = ipcTracker(page);
    await prepare(page);
    const load = await loadScreen(page, url, BOUNDS);
    await tracker.quiet(400, 60_000);
    await settled(page, 1000, 60_000);
    return load;
  } finally {
    await context.close();
  }
}

/** The browser phases against a running console; fills `r` as far as it gets. */
async function browserPhases(browser: Browser, url: string, r: SizeResult, loads: LoadResult[]): Promise<void> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  const tracker = ipcTracker(page);
  const idle = async (): Promise<boolean> =>
    (await tracker.quiet(400, 60_000)) && (await settled(page, 1000, 60_000)) !== null;
  const bounds = BOUNDS;
  await prepare(page);
  progress(`${r.n}: cold load ${COLD_LOADS} of ${COLD_LOADS} (then the other phases in this context)`);
  const last = await loadScreen(page, url, bounds);
  if (last !== null) loads.push(last);
  const painted = (l: LoadResult): number => l.marks.screenPainted ?? Infinity;
  r.coldScreens = loads.map(painted);
  r.cold = [...loads].sort((a, b) => painted(a) - painted(b))[Math.floor((loads.length - 1) / 2)] ?? null;
  if (last === null) return void r.notes.push('the incident screen never showed (60 s): nothing else measured');
  if (last.marks.candidates === null) r.notes.push('candidate #1 never showed within 90 s');
  if (!(await tracker.quiet(400, 60_000))) r.notes.push('the console host was still answering calls after 60 s');
  r.settledMs = await settled(page, 1000, 60_000);
  if (r.settledMs === null) r.notes.push("the page's main thread never went quiet for 1 s within 60 s of the load");
  r.longestTaskMs = await page.evaluate(() => window.__benchLoad?.longestTask ?? null);
  progress(`${r.n}: warm reloads`);
  r.warmScreenMs = await warmReloads(page, WARM_RELOADS, bounds, idle);
  try {
    progress(`${r.n}: ledger drawer`);
    r.drawerMs = await openDrawer(page, 60_000);
    await idle();
    progress(`${r.n}: idle frames, then the scroll`);
    r.idleFrames = await scroll(page, IDLE);
    r.scroll = await scroll(page, SCROLL);
    r.heap = await heap(page);
    r.sweep = await scroll(page, SWEEP);
    r.heapAfterSweepMb = (await heap(page)).usedMb;
  } catch (err) {
    r.notes.push(`drawer phase stopped: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  try {
    progress(`${r.n}: fleet view open (${BENCH_FLEET.toLocaleString('en-US')} SDK instances), idle, then its scroll`);
    r.fleetOpenMs = await openFleet(page, BENCH_FLEET, 60_000);
    await idle();
    r.fleetIdle = await scroll(page, { ...IDLE, target: FLEET_SCROLL.target });
    r.fleetScroll = await scroll(page, FLEET_SCROLL);
    r.fleetHeap = await heap(page);
  } catch (err) {
    r.notes.push(`fleet phase stopped: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  await context.close();
}

/** Measures one replica size end to end. */
async function measureSize(n: number, cached: { file: string; builtSeconds: number | null }): Promise<SizeResult> {
  const { file, builtSeconds } = cached;
  const work = mkdtempSync(join(tmpdir(), 'tombstone-bench-ui-run-'));
  const removeWork = async (): Promise<void> => rmSync(work, { recursive: true, force: true });
  cleanups.add(removeWork);
  const replicaPath = consoleDataDir(join(work, 'data'), file, await deadUrl());
  const checks = await launchCheck(replicaPath);
  const r: SizeResult = {
    n,
    builtSeconds,
    cheapCheckMs: checks.cheapMs,
    deepCheckMs: checks.deepMs,
    consoleStartMs: NaN,
    consoleStarts: [],
    cold: null,
    coldScreens: [],
    settledMs: null,
    longestTaskMs: null,
    warmScreenMs: null,
    drawerMs: null,
    idleFrames: null,
    scroll: null,
    sweep: null,
    heap: null,
    heapAfterSweepMb: null,
    fleetOpenMs: null,
    fleetIdle: null,
    fleetScroll: null,
    fleetHeap: null,
    notes: [],
  };
  const executablePath = findChromium();
  if (executablePath === null) throw new Error('no Chromium found (set CHROMIUM_PATH)');
  const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'] });
  const closeBrowser = (): Promise<void> => browser.close();
  cleanups.add(closeBrowser);
  // Every cold load follows its own console start (each start is timed); the last console stays up for the rest.
  progress(`${n}: launch check timed; ${STARTS} console starts, each followed by a cold load`);
  const loads: LoadResult[] = [];
  let consoleProc = await startConsole(join(work, 'data'));
  try {
    for (let i = 1; i < STARTS; i++) {
      r.consoleStarts.push(consoleProc.ms);
      const load = await coldLoad(browser, consoleProc.url, r, i);
      if (load !== null) loads.push(load);
      await consoleProc.stop();
      cleanups.delete(consoleProc.stop);
      consoleProc = await startConsole(join(work, 'data'));
    }
    r.consoleStarts.push(consoleProc.ms);
    r.consoleStartMs = median(r.consoleStarts);
    await browserPhases(browser, consoleProc.url, r, loads);
  } finally {
    for (const f of [closeBrowser, consoleProc.stop, removeWork]) {
      await f();
      cleanups.delete(f);
    }
  }
  return r;
}

const num = (v: number | null | undefined): number | null => (v === null || v === undefined ? null : v);

/** The result table rows (targets apply to the large replica). */
function rows(s: SizeResult, l: SizeResult): ResultRow[] {
  const row = (
    label: string,
    f: (x: SizeResult) => number | null | undefined,
    unit: string,
    digits: number,
    target: ResultRow['target'] = null,
  ): ResultRow => ({ label, small: num(f(s)), large: num(f(l)), unit, digits, target });
  return [
    row(`page load → incident screen (cold, median of ${COLD_LOADS})`, (x) => x.cold?.marks.screenPainted, 'ms', 0, {
      op: '<=',
      value: 1500,
    }),
    row('page load → incident screen (warm reload)', (x) => x.warmScreenMs, 'ms', 0),
    row('page load → candidate #1 (that cold load)', (x) => x.cold?.marks.candidates, 'ms', 0),
    row('page load → last long task ends (last cold load)', (x) => x.settledMs, 'ms', 0),
    row('  longest task during the load', (x) => x.longestTaskMs, 'ms', 0),
    row(`console start (spawn → URL, median of ${STARTS})`, (x) => x.consoleStartMs, 'ms', 0, {
      op: '<=',
      value: 1500,
    }),
    row('  cheap launch check alone (before serving)', (x) => x.cheapCheckMs, 'ms', 0),
    row('  deep check alone (in the background after start)', (x) => x.deepCheckMs, 'ms', 0),
    row('drawer key → first rows', (x) => x.drawerMs, 'ms', 0),
    row('5 s scroll: median fps', (x) => x.scroll?.medianFps, 'fps', 1, { op: '>=', value: 55 }),
    row('5 s scroll: p95 frame time (p5 fps)', (x) => x.scroll?.p95FrameMs, 'ms', 1),
    row('5 s scroll: average fps (frames / 5 s)', (x) => x.scroll?.averageFps, 'fps', 1),
    row('5 s scroll: longest frame', (x) => x.scroll?.maxFrameMs, 'ms', 0),
    row('5 s scroll: frames > 50 ms', (x) => x.scroll?.longFrames, 'frames', 0),
    row('5 s scroll: frames with placeholders', (x) => x.scroll?.placeholderPct, '%', 1),
    row('same 5 s without scrolling: median fps', (x) => x.idleFrames?.medianFps, 'fps', 1),
    row('  p95 frame time', (x) => x.idleFrames?.p95FrameMs, 'ms', 1),
    row('  average fps', (x) => x.idleFrames?.averageFps, 'fps', 1),
    row('  longest frame', (x) => x.idleFrames?.maxFrameMs, 'ms', 0),
    row('  frames > 50 ms', (x) => x.idleFrames?.longFrames, 'frames', 0),
    row('JS heap after the scroll', (x) => x.heap?.usedMb, 'MB', 1, { op: '<=', value: 300 }),
    row('  after a forced GC', (x) => x.heap?.afterGcMb, 'MB', 1),
    row('DOM nodes after the scroll', (x) => x.heap?.domNodes, 'nodes', 0),
    row('3 s sweep of all rows: median fps', (x) => x.sweep?.medianFps, 'fps', 1),
    row('3 s sweep: p95 frame time', (x) => x.sweep?.p95FrameMs, 'ms', 1),
    row('3 s sweep: frames with placeholders', (x) => x.sweep?.placeholderPct, '%', 1),
    row('JS heap after the sweep', (x) => x.heapAfterSweepMb, 'MB', 1),
    row(`fleet key → ${BENCH_FLEET.toLocaleString('en-US')} SDK instances shown`, (x) => x.fleetOpenMs, 'ms', 0),
    row('fleet view open, 5 s idle: median fps', (x) => x.fleetIdle?.medianFps, 'fps', 1, { op: '>=', value: 55 }),
    row('fleet view open, 5 s scroll: median fps', (x) => x.fleetScroll?.medianFps, 'fps', 1, { op: '>=', value: 55 }),
    row('  p95 frame time', (x) => x.fleetScroll?.p95FrameMs, 'ms', 1),
    row('  longest frame', (x) => x.fleetScroll?.maxFrameMs, 'ms', 0),
    row('JS heap with the fleet view open', (x) => x.fleetHeap?.usedMb, 'MB', 1, { op: '<=', value: 300 }),
    row('DOM nodes with the fleet view open', (x) => x.fleetHeap?.domNodes, 'nodes', 0),
  ];
}

/** The load's breakdown: DOM ready, bundle, and the slowest calls the page made before candidate #1. */
function breakdown(r: SizeResult): string {
  const c = r.cold;
  if (c === null) return `  ${r.n}: no load measured`;
  const calls = [...c.ipc]
    .sort((a, b) => b.end - b.start - (a.end - a.start))
    .slice(0, 6)
    .map((x) => `${x.channel} ${x.start.toFixed(0)}→${x.end.toFixed(0)}`)
    .join(', ');
  return (
    `  ${r.n.toLocaleString('en-US')}: DOMContentLoaded ${c.domContentLoaded.toFixed(0)} ms, bundle loaded ${c.scriptsLoaded.toFixed(0)} ms, ` +
    `screen seen ${c.marks.screenSeen?.toFixed(0)} / painted ${c.marks.screenPainted?.toFixed(0)} ms with ${c.marks.incidents} incidents listed; slowest calls (ms since navigation): ${calls}`
  );
}

function report(s: SizeResult, l: SizeResult): void {
  const label = (x: SizeResult): string => `${x.n.toLocaleString('en-US')} entries`;
  say('');
  say(formatTable(rows(s, l), label(s), label(l)));
  say('');
  const ratio = l.consoleStartMs / s.consoleStartMs;
  const met = (ok: boolean): string => (ok ? 'MET' : 'MISSED');
  say(
    `console start: ${label(l)} ${l.consoleStartMs.toFixed(0)} ms vs ${label(s)} ${s.consoleStartMs.toFixed(0)} ms = ${ratio.toFixed(2)}x (goal ≤ 1500 ms: ${met(l.consoleStartMs <= 1500)}; ≤ 1.3x the baseline: ${met(ratio <= 1.3)}); starts (ms): ${[s, l].map((x) => `${label(x)}: ${x.consoleStarts.map((v) => v.toFixed(0)).join(', ')}`).join('; ')}`,
  );
  say(
    `load average at the end: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')} (2-core machine; other work skews every number)`,
  );
  say(
    `cold loads (screen painted, ms): ${[s, l].map((x) => `${label(x)}: ${x.coldScreens.map((v) => v.toFixed(0)).join(', ')}`).join('; ')}`,
  );
  say('load breakdown (the median cold load):');
  say(breakdown(s));
  say(breakdown(l));
  const scrollLine = (x: SizeResult): string =>
    x.scroll === null
      ? 'n/a'
      : `${x.scroll.frames} frames over ${x.scroll.scrolledPx.toFixed(0)} px, ${x.scroll.rowsRendered} grid rows in the DOM, ${x.heap?.listeners ?? NaN} JS event listeners`;
  say(`scroll detail: ${label(s)}: ${scrollLine(s)}; ${label(l)}: ${scrollLine(l)}`);
  for (const x of [s, l]) for (const note of x.notes) say(`note (${label(x)}): ${note}`);
  for (const x of [s, l])
    if (x.builtSeconds !== null) say(`(built and cached the ${label(x)} replica in ${x.builtSeconds.toFixed(1)} s)`);
}

/** Stops everything this run started once `seconds` have passed. */
function armTimeout(seconds: number, what: string): NodeJS.Timeout {
  const limit = setTimeout(() => {
    process.stderr.write(`bench-ui: time limit of ${seconds} s reached (${what})\n`);
    const cleanup = Promise.allSettled([...cleanups].map((f) => f()));
    void Promise.race([cleanup, new Promise((resolve) => setTimeout(resolve, 5000))]).then(() => process.exit(1));
  }, seconds * 1000);
  limit.unref();
  return limit;
}

/** Builds the bundles first, so the console serves the renderer of the code being measured. */
function buildBundles(): void {
  progress('building the bundles (scripts/build.mjs)');
  const r = spawnSync(process.execPath, [join(import.meta.dirname, 'build.mjs')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0)
    throw new Error(`the build failed (exit ${r.status ?? r.signal}); run \`npm run build\` to see why`);
}

async function main(): Promise<void> {
  buildBundles();
  say(
    `bench:ui — ${LARGE.toLocaleString('en-US')}-entry replica vs a ${SMALL.toLocaleString('en-US')}-entry baseline, one entry every ${SPACING_S} s, offline console, headless Chromium, Node ${process.versions.node}`,
  );
  // Building the replicas (first run only, ~1-2 min for a million entries) has its own bound; the measurement has TIMEOUT_S.
  const building = armTimeout(BUILD_TIMEOUT_S, 'building the bench replicas');
  const smallReplica = await cachedReplica(SMALL, SPACING_S, say);
  const largeReplica = await cachedReplica(LARGE, SPACING_S, say);
  clearTimeout(building);
  armTimeout(TIMEOUT_S, 'measuring');
  const small = await measureSize(SMALL, smallReplica);
  const large = await measureSize(LARGE, largeReplica);
  report(small, large);
  const out = process.env['BENCH_UI_JSON'];
  if (out !== undefined) writeFileSync(out, `${JSON.stringify({ small, large }, null, 2)}\n`);
}

main().then(
  () => {
    process.exitCode ??= 0;
  },
  async (err: unknown) => {
    process.stderr.write(`bench-ui: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await Promise.allSettled([...cleanups].map((f) => f()));
    process.exitCode = 1;
  },
);
