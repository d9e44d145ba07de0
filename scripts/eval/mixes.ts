/**
 * Difficulty mixes of the evaluation: how much activity surrounds the incident, of which kinds, and how the cause is
 * picked among the paging service's changes (hazard.ts). The `adversarial` mix picks the cause uniformly, dropping
 * every assumption the model makes, to show what those assumptions cost when they fail.
 */

/** Parameters of one difficulty mix. */
export interface Mix {
  name: string;
  /** Lag from the causal change to the alert: log-normal median (seconds) and sigma; or uniform on [10 s, 29 min]. */
  lag: { median: number; sigma: number; uniform: boolean };
  /** Largest clock offset of the alerting service against the ledger, seconds (drawn uniformly in ±). */
  skew: number;
  /** Background changes per minute over the 85 minutes around the incident, on unrelated services. */
  unrelatedPerMinute: number;
  /** Routine changes on the paging service's flags in the 30 minutes before the alert: [min, max]. */
  localChanges: readonly [number, number];
  /** Chance a routine change on the service was executed by the scheduler. */
  localScheduled: number;
  /** Share of background changes made in staging. */
  stagingShare: number;
  /** Chance of a deploy burst (4–10 changes by deploy-bot within 90 s near the alert), and of it touching the service. */
  burst: number;
  burstOnService: number;
  /** Chance of cron toggles (scheduled, at the alert's minute or earlier), and of one being on the service. */
  cron: number;
  cronOnService: number;
  /** Chance of 1–3 extra pre-approved changes in the 15 minutes before the alert, and of the first being on the service. */
  extraApproved: number;
  approvedOnService: number;
  /** Chance the circuit breaker rolls the causal flag back before the page, and of an unrelated breaker trip. */
  autoRollback: number;
  noiseAutoRollback: number;
  /** Chance a responder kills a flag of the service right after being paged. */
  responderKill: number;
  /** Share of the service's flags whose ledger metadata omits the service (stale services list). */
  stale: number;
  /** Flags of other teams made prerequisites of the service's flags. */
  prerequisiteLinks: number;
  /** How the cause is picked among the service's changes: by hazard × lag density, or uniformly (adversarial). */
  cause: 'hazard' | 'uniform';
  /** Chance the incident entry names its environment. */
  incidentEnv: number;
  /** Share of changed flags with evaluator error telemetry (the service's own rate is then supplied too); 0 = none. */
  telemetry: number;
  /** Supply the paging service's error rate even when no flag has telemetry (what the console's metrics stream has). */
  serviceMetrics: boolean;
}

// The hard mix, literally: a deploy burst, cron toggles at the alert's minute, pre-approved changes, a second
// change on the same service, ±90 s skew, changes on unrelated services, stale metadata and prerequisite links. Bursts,
// cron and approvals pick flags across the organisation, so they touch the paging service only at its natural share.
const HARD = {
  lag: { median: 300, sigma: 0.9, uniform: false },
  skew: 90,
  unrelatedPerMinute: 0.5,
  localChanges: [2, 2] as const,
  localScheduled: 0.15,
  stagingShare: 0.2,
  burst: 1,
  burstOnService: 0,
  cron: 1,
  cronOnService: 0,
  extraApproved: 1,
  approvedOnService: 0,
  autoRollback: 0.2,
  noiseAutoRollback: 0.15,
  responderKill: 0.5,
  stale: 0.1,
  prerequisiteLinks: 2,
  cause: 'hazard' as const,
  incidentEnv: 0.5,
  telemetry: 0,
  serviceMetrics: false,
};

/** The mixes, from easiest to hardest. */
export const MIXES: readonly Mix[] = [
  {
    name: 'easy',
    lag: { median: 180, sigma: 0.6, uniform: false },
    skew: 0,
    unrelatedPerMinute: 0.1,
    localChanges: [1, 1],
    localScheduled: 0,
    stagingShare: 0.1,
    burst: 0,
    burstOnService: 0,
    cron: 0,
    cronOnService: 0,
    extraApproved: 0,
    approvedOnService: 0,
    autoRollback: 0.2,
    noiseAutoRollback: 0,
    responderKill: 0,
    stale: 0,
    prerequisiteLinks: 0,
    cause: 'hazard',
    incidentEnv: 1,
    telemetry: 0,
    serviceMetrics: false,
  },
  {
    name: 'medium',
    lag: { median: 240, sigma: 0.8, uniform: false },
    skew: 30,
    unrelatedPerMinute: 0.3,
    localChanges: [1, 2],
    localScheduled: 0.1,
    stagingShare: 0.2,
    burst: 0.5,
    burstOnService: 0,
    cron: 0.5,
    cronOnService: 0,
    extraApproved: 0.5,
    approvedOnService: 0,
    autoRollback: 0.2,
    noiseAutoRollback: 0.05,
    responderKill: 0.3,
    stale: 0.05,
    prerequisiteLinks: 1,
    cause: 'hazard',
    incidentEnv: 0.5,
    telemetry: 0,
    serviceMetrics: false,
  },
  { name: 'hard', ...HARD },
  // The hard mix again, with the evaluator's per-flag error rates for 70 % of the changed flags (background jobs that
  // swallow errors report nothing, as the seed warns) and the paging service's error rate.
  { ...HARD, name: 'hard+telemetry', telemetry: 0.7, serviceMetrics: true },
  {
    // Beyond the issue: the paging service itself is busy (2–5 routine changes, and the burst, a cron toggle and a
    // pre-approved change often land on it). Several comparable changes on one service: the ledger alone cannot tell.
    ...HARD,
    name: 'crowded',
    localChanges: [2, 5],
    burstOnService: 0.5,
    cronOnService: 0.5,
    approvedOnService: 0.3,
  },
  {
    // Stress test: a cause picked uniformly among the service's changes (whatever its kind, size or planning) with a
    // uniform lag up to 29 min, and stale metadata three times as often. The model's assumptions do not hold here.
    ...HARD,
    name: 'adversarial',
    lag: { median: 0, sigma: 0, uniform: true },
    localChanges: [3, 6],
    autoRollback: 0,
    stale: 0.3,
    cause: 'uniform',
    burstOnService: 0.5,
    cronOnService: 0.5,
    approvedOnService: 0.3,
  },
  // The hard mix with only what the console itself has at 3 a.m.: the control plane's metrics for the paging service
  // (its error rate over time), no per-flag error rates. Last, so the seeds of the mixes above stay the same.
  { ...HARD, name: 'hard+metrics', serviceMetrics: true },
];
