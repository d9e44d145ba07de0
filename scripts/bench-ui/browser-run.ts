/**
 * The browser half of `bench:ui` for one running console: cold load and warm reloads of the incident screen, the
 * ledger drawer, a 5-second rAF-driven scroll of the audit table, a sweep over its whole height, and the JS heap.
 * Everything waits on conditions with a bound, never on sleeps of fixed length alone.
 */
import type { Page } from 'playwright-core';
import { installLoadProbe, scrollLedger, type LoadMarks, type ScrollPlan, type ScrollTrace } from './page-probes.ts';
import { frameStats, median, type FrameStats } from './stats.ts';

/** One call the page made while loading, in ms since navigation start. */
export interface IpcTiming {
  channel: string;
  start: number;
  end: number;
}

/** The cold load of the incident screen. */
export interface LoadResult {
  marks: LoadMarks;
  domContentLoaded: number;
  /** When the last script of the bundle arrived. */
  scriptsLoaded: number;
  ipc: IpcTiming[];
}

/** A scroll phase: frame statistics plus what the rows showed. */
export interface ScrollResult extends FrameStats {
  placeholderPct: number;
  scrolledPx: number;
  rowsRendered: number;
}

/** Limits of the waits (ms). */
export interface Bounds {
  screenMs: number;
  candidatesMs: number;
}

/** Counts the page's in-flight IPC calls so phases can start once the console host is idle. */
export function ipcTracker(page: Page): { quiet(ms: number, timeoutMs: number): Promise<boolean> } {
  let inFlight = 0;
  let last = Date.now();
  const isIpc = (url: string): boolean => url.includes('/api/ipc/');
  page.on('request', (r) => {
    if (isIpc(r.url())) {
      inFlight++;
      last = Date.now();
    }
  });
  const done = (url: string): void => {
    if (isIpc(url)) {
      inFlight = Math.max(0, inFlight - 1);
      last = Date.now();
    }
  };
  page.on('requestfinished', (r) => done(r.url()));
  page.on('requestfailed', (r) => done(r.url()));
  return {
    async quiet(ms, timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        if (inFlight === 0 && Date.now() - last >= ms) return true;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return false;
    },
  };
}

/** Installs the load probe for every navigation of `page`. */
export async function prepare(page: Page): Promise<void> {
  await page.addInitScript(installLoadProbe);
}

async function marksWhen(
  page: Page,
  key: 'screenPainted' | 'candidates',
  timeoutMs: number,
): Promise<LoadMarks | null> {
  try {
    await page.waitForFunction((k) => (window.__benchLoad?.[k] ?? null) !== null, key, {
      timeout: timeoutMs,
      polling: 50,
    });
  } catch {
    return null;
  }
  return page.evaluate(() => window.__benchLoad ?? null);
}

/** Navigates (or reloads) and waits for the incident screen, then for candidate #1; null when the screen never showed. */
export async function loadScreen(page: Page, url: string | null, bounds: Bounds): Promise<LoadResult | null> {
  if (url === null) await page.reload({ waitUntil: 'commit' });
  else await page.goto(url, { waitUntil: 'commit' });
  if ((await marksWhen(page, 'screenPainted', bounds.screenMs)) === null) return null;
  const marks =
    (await marksWhen(page, 'candidates', bounds.candidatesMs)) ??
    (await page.evaluate(() => window.__benchLoad ?? null));
  if (marks === null) return null;
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    return {
      domContentLoaded: nav?.domContentLoadedEventEnd ?? NaN,
      scriptsLoaded: Math.max(
        0,
        ...res.filter((r) => r.initiatorType === 'script' || r.name.endsWith('.js')).map((r) => r.responseEnd),
      ),
      ipc: res
        .filter((r) => r.name.includes('/api/ipc/'))
        .map((r) => ({
          channel: new URL(r.name).pathname.slice('/api/ipc/'.length),
          start: r.startTime,
          end: r.responseEnd,
        })),
    };
  });
  return { marks, ...timing };
}

/**
 * Waits until the page's main thread has run no long task for `quietMs` (bounded by `timeoutMs`); returns the end of
 * the last long task (ms since navigation start), or null when it never went quiet.
 */
export async function settled(page: Page, quietMs: number, timeoutMs: number): Promise<number | null> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const m = await page.evaluate(() => ({ now: performance.now(), last: window.__benchLoad?.lastLongTaskEnd ?? 0 }));
    if (m.now - m.last >= quietMs) return m.last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return null;
}

/** Median screen time (painted) over `times` reloads of the warm console. */
export async function warmReloads(
  page: Page,
  times: number,
  bounds: Bounds,
  idle: () => Promise<unknown>,
): Promise<number | null> {
  const seen: number[] = [];
  for (let i = 0; i < times; i++) {
    const r = await loadScreen(page, null, bounds);
    if (r?.marks.screenPainted == null) return null;
    seen.push(r.marks.screenPainted);
    await idle();
  }
  return median(seen);
}

/**
 * Opens the ledger drawer with the `L` key (the Ledger button only if no drawer appeared: both toggle it); ms from the
 * key press until the audit table shows rows.
 */
export async function openDrawer(page: Page, timeoutMs: number): Promise<number> {
  const t0 = await page.evaluate(() => performance.now());
  await page.keyboard.press('l');
  const opened = await page.waitForSelector('[data-testid="ledger-drawer"]', { timeout: 10_000 }).then(
    () => true,
    () => false,
  );
  if (!opened) await page.getByRole('button', { name: 'Ledger', exact: true }).click();
  const row = await page.waitForFunction(
    () =>
      document.querySelector('[data-testid="ledger-grid"] [data-testid^="ledger-row-"]') === null
        ? null
        : performance.now(),
    undefined,
    { timeout: timeoutMs, polling: 'raf' },
  );
  const shown = await row.jsonValue();
  if (shown === null) throw new Error('the audit table showed no rows');
  return shown - t0;
}

/**
 * Closes what is open (Escape) and opens the SDK fleet view with the `F` key; ms from the key press until all `rows`
 * instance rows are in the page.
 */
export async function openFleet(page: Page, rows: number, timeoutMs: number): Promise<number> {
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid="ledger-drawer"]', { state: 'detached', timeout: 10_000 });
  const t0 = await page.evaluate(() => performance.now());
  await page.keyboard.press('f');
  const shown = await page.waitForFunction(
    (n) =>
      document.querySelectorAll('[data-testid="fleet-dialog"] tr.fleet-row').length >= n ? performance.now() : null,
    rows,
    { timeout: timeoutMs, polling: 'raf' },
  );
  return ((await shown.jsonValue()) as number) - t0;
}

/** Runs one scroll phase in the page and summarises its frames. */
export async function scroll(page: Page, plan: ScrollPlan): Promise<ScrollResult> {
  const trace: ScrollTrace = await page.evaluate(scrollLedger, plan);
  const stats = frameStats(trace.frames);
  return {
    ...stats,
    placeholderPct: trace.frames.length === 0 ? NaN : (100 * trace.placeholderFrames) / trace.frames.length,
    scrolledPx: trace.scrolledPx,
    rowsRendered: trace.rowsRendered,
  };
}

/** What the page holds: JS heap (MB) as performance.memory reports it and after a forced GC (CDP), and DOM nodes. */
export interface HeapResult {
  usedMb: number;
  afterGcMb: number;
  domNodes: number;
  listeners: number;
}

/** The JS heap: performance.memory.usedJSHeapSize as it is, then CDP Runtime.getHeapUsage after a forced GC. */
export async function heap(page: Page): Promise<HeapResult> {
  const used = await page.evaluate(
    () => (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? NaN,
  );
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('Performance.enable');
    const metrics = (await cdp.send('Performance.getMetrics')).metrics;
    const metric = (name: string): number => metrics.find((m) => m.name === name)?.value ?? NaN;
    await cdp.send('HeapProfiler.collectGarbage');
    const usage = await cdp.send('Runtime.getHeapUsage');
    return {
      usedMb: used / 2 ** 20,
      afterGcMb: usage.usedSize / 2 ** 20,
      domNodes: metric('Nodes'),
      listeners: metric('JSEventListeners'),
    };
  } finally {
    await cdp.detach();
  }
}
