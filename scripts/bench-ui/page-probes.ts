/**
 * Functions `bench:ui` runs inside the page (serialised by Playwright, so each is self-contained): the load probe
 * installed before the app's scripts, and the rAF-driven scroll of the audit table with its frame timestamps.
 */

/** What the load probe records, in ms since navigation start (performance.now() of the page). */
export interface LoadMarks {
  /** The main screen and at least one incident are visible (DOM mutation seen). */
  screenSeen: number | null;
  /** The first paint after that (rAF, then a task: the frame that shows it has been produced). */
  screenPainted: number | null;
  /** Candidate #1 of the selected incident is in the DOM. */
  candidates: number | null;
  /** Incidents listed when the screen showed (all statuses). */
  incidents: number;
  /** End of the latest long task (> 50 ms on the main thread) so far, and the longest one's duration. */
  lastLongTaskEnd: number;
  longestTask: number;
}

declare global {
  interface Window {
    __benchLoad?: LoadMarks;
  }
}

/**
 * Installed with addInitScript: watches DOM mutations from the first one and records when the incident screen (the
 * `main-screen` test id with at least one visible incident) and candidate #1 appear, and every long task.
 */
export function installLoadProbe(): void {
  const marks: LoadMarks = {
    screenSeen: null,
    screenPainted: null,
    candidates: null,
    incidents: 0,
    lastLongTaskEnd: 0,
    longestTask: 0,
  };
  window.__benchLoad = marks;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      marks.lastLongTaskEnd = Math.max(marks.lastLongTaskEnd, e.startTime + e.duration);
      marks.longestTask = Math.max(marks.longestTask, e.duration);
    }
  }).observe({ type: 'longtask', buffered: true });
  const check = (): void => {
    if (marks.screenSeen === null) {
      const main = document.querySelector('[data-testid="main-screen"]');
      const incidents = [...document.querySelectorAll('#incidents [data-testid^="incident-"]')];
      if (main !== null && main.checkVisibility() && incidents.some((e) => e.checkVisibility())) {
        marks.screenSeen = performance.now();
        marks.incidents = incidents.length;
        requestAnimationFrame(() =>
          setTimeout(() => {
            marks.screenPainted = performance.now();
          }, 0),
        );
      }
    }
    if (marks.candidates === null && document.querySelector('[data-testid="candidate-1"]') !== null)
      marks.candidates = performance.now();
    if (marks.screenSeen !== null && marks.candidates !== null) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ['open', 'class', 'style', 'hidden'],
  });
}

/** How one scroll phase went, as recorded in the page. */
export interface ScrollTrace {
  /** rAF timestamps of every frame of the phase. */
  frames: number[];
  /** Frames in which at least one row still showed its "loading row…" placeholder. */
  placeholderFrames: number;
  scrolledPx: number;
  rowsRendered: number;
}

/** How to scroll: a constant speed from the top (`pxPerMs`), or a sweep of the whole height (`sweep`). */
export interface ScrollPlan {
  durationMs: number;
  pxPerMs: number;
  sweep: boolean;
  /** The element scrolled (default: the ledger drawer's grid). */
  target?: string;
}

/**
 * Scrolls the `ledger-grid` element (or `plan.target`) by setting scrollTop in a rAF loop for `durationMs`, recording
 * every frame.
 */
export function scrollLedger(plan: ScrollPlan): Promise<ScrollTrace> {
  const selector = plan.target ?? '[data-testid="ledger-grid"]';
  const grid = document.querySelector<HTMLElement>(selector);
  if (grid === null) throw new Error(`no ${selector} in the page`);
  const loading = grid.getElementsByClassName('loading');
  const frames: number[] = [];
  let placeholderFrames = 0;
  const top0 = grid.scrollTop;
  const range = grid.scrollHeight - grid.clientHeight - top0;
  return new Promise((resolve) => {
    let t0 = -1;
    const frame = (t: number): void => {
      if (t0 < 0) t0 = t;
      frames.push(t);
      if (loading.length > 0) placeholderFrames++;
      const elapsed = t - t0;
      if (elapsed >= plan.durationMs) {
        resolve({
          frames,
          placeholderFrames,
          scrolledPx: grid.scrollTop - top0,
          rowsRendered: grid.querySelectorAll('[role="row"]').length,
        });
        return;
      }
      grid.scrollTop = top0 + (plan.sweep ? range * (elapsed / plan.durationMs) : elapsed * plan.pxPerMs);
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
}
