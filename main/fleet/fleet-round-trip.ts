/**
 * The last step of a kill's or rollback's round trip: which SDK instances applied its ledger entry. The console asks
 * the control plane (`GET /api/v1/sdk/fleet/applied?environment=&idx=`) at once, then briefly again while some have
 * not (bounded in time), and publishes each answer on the receipt: k of n, p50/max ms after the commit, and every
 * instance still behind by name. An instance still behind 5 s after the commit is an alert (on the receipt, so on
 * screen) and a native notification. When the control plane cannot be asked, the step says it could not be checked —
 * it never claims instances applied something the console did not see.
 */
import type { FleetRoundTrip, FleetStraggler } from '../../shared/ipc/contract.ts';
import type { FleetAppliedReport } from '../../shared/protocol/fleet.ts';
import type { NotificationSpec } from '../notify/notification-policy.ts';

/** After this long behind (from the entry's commit) an instance raises the alert. */
export const FLEET_OVERDUE_MS = 5000;

/** What the checker needs from the session. */
export interface FleetCheckDeps {
  /** Asks the control plane; rejects with a coded error (AppError) when it cannot. */
  fetchApplied(environment: string, idx: number, signal: AbortSignal): Promise<FleetAppliedReport>;
  /** Null while the control plane can be asked; otherwise why not (offline, halted). */
  unavailable(): { code: string; message: string } | null;
  notify(spec: NotificationSpec): void;
  /** Publishes the step on the receipt `key`. */
  publish(key: string, fleet: FleetRoundTrip): void;
  /** Monotonic ms. */
  now?: () => number;
  /** Between two questions while k < n. */
  pollMs?: number;
  /** Stops asking this long after the first question (the stragglers stay named). */
  giveUpMs?: number;
  overdueMs?: number;
}

/** What is being checked: the receipt, its action and entry, and the environment whose SDKs serve it. */
export interface FleetCheck {
  key: string;
  action: string;
  idx: number;
  environment: string;
}

const ALERTING = new Set(['actions:kill', 'actions:rollback']);

/** Answers that asking again will not change. */
const FINAL_CODES = new Set([
  'NOT_FOUND',
  'UNKNOWN_ENVIRONMENT',
  'ENTRY_NOT_FOUND',
  'FORBIDDEN',
  'INVALID_QUERY',
  'E_CONTROL_PLANE_PROTOCOL',
]);

function stragglersOf(report: FleetAppliedReport): FleetStraggler[] {
  return report.instances
    .filter((i) => i.applied_at === null)
    .map((i) => ({
      instanceId: i.instance_id,
      service: i.service,
      host: i.host,
      state: i.state,
      appliedVersion: i.applied_version,
      stale: i.stale,
      staleSince: i.stale_since,
    }));
}

/** The step as of one answer. */
export function stepOf(
  report: FleetAppliedReport,
  status: FleetRoundTrip['status'],
  checkedAt: string,
  overdue: boolean,
): FleetRoundTrip {
  return {
    status,
    environment: report.environment,
    idx: report.idx,
    k: report.k,
    n: report.n,
    p50Ms: report.p50_ms,
    maxMs: report.max_ms,
    behind: stragglersOf(report),
    checkedAt,
    overdue,
    error: null,
  };
}

/** How far behind the commit an answer was generated, by the control plane's own clock. */
function sinceCommitMs(report: FleetAppliedReport): number {
  const d = Date.parse(report.generated_at) - Date.parse(report.committed_at);
  return Number.isFinite(d) ? d : 0;
}

/** One straggler in a sentence: "checkout-7 (checkout) on host ip-10-2-3-4, on version 19970, last-known-good since …". */
export function describeStraggler(s: FleetStraggler): string {
  const version = s.appliedVersion === null ? 'no version applied yet' : `on version ${s.appliedVersion}`;
  const lkg = s.stale ? `, serving its last-known-good${s.staleSince ? ` since ${s.staleSince}` : ''}` : '';
  const state = s.state === 'disconnected' ? ', disconnected' : '';
  return `${s.instanceId} (${s.service}) on host ${s.host}, ${version}${lkg}${state}`;
}

/** The native notification of an overdue step. */
export function overdueNotification(action: string, step: FleetRoundTrip): NotificationSpec {
  const what = action === 'actions:rollback' ? 'rollback' : 'kill';
  const named = step.behind.slice(0, 3).map(describeStraggler).join('; ');
  const more = step.behind.length > 3 ? `; and ${step.behind.length - 3} more` : '';
  return {
    title: `The ${what} has not reached ${step.behind.length} SDK instance${step.behind.length === 1 ? '' : 's'}`,
    body: `Entry #${step.idx} (${step.environment}): applied by ${step.k} of ${step.n} after 5 s. Still behind: ${named}${more}. Open the fleet view.`,
    urgency: 'critical',
  };
}

/** Runs the checks of one session; each is bounded in time and ends when the session stops. */
export class FleetRoundTrips {
  private readonly deps: FleetCheckDeps;
  private readonly abort = new AbortController();
  private readonly running = new Set<Promise<void>>();

  constructor(deps: FleetCheckDeps) {
    this.deps = deps;
  }

  /** Starts checking `c` (returns at once; the answers arrive on the receipt). */
  start(c: FleetCheck): void {
    const p = this.run(c).finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /** Stops every check and waits for them to end. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all([...this.running]);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.abort.signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private async run(c: FleetCheck): Promise<void> {
    const now = this.deps.now ?? (() => performance.now());
    const pollMs = this.deps.pollMs ?? 200;
    const giveUpMs = this.deps.giveUpMs ?? 15_000;
    const overdueMs = this.deps.overdueMs ?? FLEET_OVERDUE_MS;
    const started = now();
    let last: FleetRoundTrip | null = null;
    let error: { code: string; message: string } | null = null;
    let overdue = false;
    const unchecked = (e: { code: string; message: string }): FleetRoundTrip => ({
      status: 'unchecked',
      environment: c.environment,
      idx: c.idx,
      k: null,
      n: null,
      p50Ms: null,
      maxMs: null,
      behind: [],
      checkedAt: null,
      overdue: false,
      error: e,
    });
    this.deps.publish(c.key, { ...unchecked({ code: '', message: '' }), status: 'checking', error: null });
    const stopped = {
      code: 'E_FLEET_STOPPED',
      message: 'the console stopped asking because this profile was closed or switched',
    };
    for (;;) {
      if (this.abort.signal.aborted) {
        error = stopped;
        break;
      }
      const cannot = this.deps.unavailable();
      if (cannot) {
        error = cannot;
        break;
      }
      try {
        const report = await this.deps.fetchApplied(c.environment, c.idx, this.abort.signal);
        if (this.abort.signal.aborted) {
          error = stopped;
          break;
        }
        error = null;
        const checkedAt = new Date().toISOString();
        if (report.k >= report.n) {
          last = stepOf(report, 'complete', checkedAt, overdue);
          this.deps.publish(c.key, last);
          return;
        }
        const late: boolean = ALERTING.has(c.action) && !overdue && sinceCommitMs(report) >= overdueMs;
        overdue ||= late;
        last = stepOf(report, 'checking', checkedAt, overdue);
        this.deps.publish(c.key, last);
        if (late) this.deps.notify(overdueNotification(c.action, last));
      } catch (err) {
        if (this.abort.signal.aborted) {
          error = stopped;
          break;
        }
        const e = err as { code?: unknown; message?: unknown };
        error = {
          code: typeof e.code === 'string' ? e.code : 'E_FLEET_UNCHECKED',
          message: typeof e.message === 'string' ? e.message : String(err),
        };
        // A control plane without the fleet endpoint (or that refuses the question) will not change within the bound.
        if (FINAL_CODES.has(error.code)) break;
      }
      // Keep asking until the answers reach the 5 s mark (so the alert is raised on time), then until the bound.
      if (now() - started >= giveUpMs) break;
      await this.sleep(pollMs);
    }
    // Stopped with the session: the step ends as what was seen so far (never left "checking").
    if (last === null) {
      const why = error ?? { code: 'E_FLEET_UNCHECKED', message: 'no answer' };
      this.deps.publish(
        c.key,
        unchecked({
          code: 'E_FLEET_UNCHECKED',
          message: `Which SDK instances applied entry #${c.idx} could not be checked (${why.code}: ${why.message}); nothing is claimed about them. Open the fleet view when the console is back online.`,
        }),
      );
      return;
    }
    this.deps.publish(c.key, { ...last, status: 'partial', error });
  }
}
