/**
 * Every number the ranking uses, each with the reason a responder would accept. The score of a change is the product
 * of its factors' multipliers; only ratios matter, so every "neutral" case is 1. docs/correlation.md explains each
 * choice and shows what the evaluation measured; none of these was fitted to the evaluation's generator.
 */

/** Defaults of a ranking. */
export const DEFAULTS = {
  /** Lookback before the alert (the seed design and the public Tombstone both use 30 minutes). */
  windowSeconds: 1800,
  /** Clock disagreement tolerated between the alerting system and the ledger (services drift by up to ±90 s). */
  skewSeconds: 120,
  /**
   * Recency half-life: a change 10 minutes older is half as suspicious. Flag-caused incidents usually page within
   * minutes, but alerting rules wait for sustained errors and slow burns exist, so the decay is gentler than the
   * seed's exp(-0.1 × minutes) (half-life 6.9 minutes).
   */
  halfLifeSeconds: 600,
  /** The seed's output contract: top 3. */
  limit: 3,
} as const;

/**
 * How strongly the flag is tied to the paging service. This is the strongest factor on purpose: a change can only
 * break a service through code that service runs. Roughly 85 % of flag-caused pages come from a flag the paging
 * service evaluates while only ~10 % of all changes touch it, so the direct/unrelated odds are about (0.85/0.1) /
 * (0.15/0.9) ≈ 50; we use 10 because services lists go stale. It must outweigh the exposure factor's whole range
 * (0.4–2.5), so a change on the failing service outranks a bigger change elsewhere.
 */
export const SERVICE_WEIGHTS = {
  /** The paging service evaluates the flag: the change runs in the code that is failing. */
  direct: 10,
  /** The flag is a prerequisite of a flag the paging service evaluates: one hop away, so half of direct. */
  prerequisite: 5,
  /** The services list omits the paging service, but the owning team's name matches it (lists go stale). */
  ownerTeam: 3,
  /** Nothing is known about where the flag runs: the expected weight, about 15 % × direct + 85 % × unrelated. */
  unknown: 2.5,
  /** Evaluated only elsewhere: it can still hurt through shared databases or downstream calls, just rarely. */
  unrelated: 1,
} as const;

/** Environment agreement between the change and the incident. */
export const ENVIRONMENT_WEIGHTS = {
  /** A change in another environment (staging) cannot reach the users of the paging one, except via shared infra. */
  mismatch: 0.2,
  /** Incident environment unknown and the change was in a non-production-looking one: those rarely page on-call. */
  nonProduction: 0.5,
} as const;

/** Declared blast-radius tier: a page needs large impact, and higher tiers touch payments, auth, critical paths. */
export const TIER_WEIGHTS = { LOW: 0.8, MEDIUM: 1, HIGH: 1.25, BLOCKED: 1.5 } as const;

/** Direction and size of the exposure change. */
export const EXPOSURE_WEIGHTS = {
  /**
   * Per unit of newly exposed share (45 → 50 % adds 0.05, 0 → 50 % adds 0.5): a page needs errors on a sizeable share
   * of traffic, and errors scale with the share of users moved to the new path.
   */
  perNewShare: 1,
  /** Per-share factor when the treatment reaches users for the first time (from 0 %): its code has never run here. */
  firstExposure: 1.5,
  /** Turning off or ramping down returns users to a path that was already serving them. */
  decrease: 0.5,
  /** Back to the declared safe default: the state the owners named as safe (kills usually do this). */
  safeDefault: 0.4,
  /**
   * Targeting rules or prerequisites changed at the same exposure: some users move, we cannot tell how many; rules
   * usually name a segment (testers, a country, a plan), so count it like moving a tenth of the users (1 + 0.1).
   */
  targeting: 1.1,
  /** The share of users a flag's rules are taken to target when it is switched on at 0 %: the same tenth. */
  ruleSegmentShare: 0.1,
  /** The leaf's values are not EnvStates: a change of unknown kind and size. */
  unreadable: 1,
} as const;

/** Evidence from error telemetry, when there is any (absent telemetry contributes nothing). */
export const TELEMETRY_WEIGHTS = {
  /** The circuit breaker measured this flag's error rate above its threshold and rolled it back after this change. */
  autoRollback: 3,
  /** The flag's own error rate rose after the change. */
  flagRose: 2.5,
  /** The flag's own error rate was measured on both sides and did not move (errors may still hide, so only mild). */
  flagFlat: 0.7,
  /**
   * The paging service's errors began promptly after this change: within the clock tolerance plus one metrics sample.
   * A flag change reaches users within seconds (streaming SDKs) to a minute (polling ones) and broken code fails on its
   * first requests, so a change that caused the errors is almost always right before their onset, while an unrelated
   * change lands in those few minutes only by chance (a few minutes out of a 30-minute window).
   */
  promptOnset: 2.5,
  /** The errors began later, but within the lead time below: slow burns (caches, gradual traffic) exist, so mild. */
  beforeOnset: 1.2,
  /** The paging service was already failing when this change was made: it cannot have started the errors. */
  afterOnset: 0.3,
  /** One metrics sample: the onset is only known to the sample it first shows in (the console's series use 30 s). */
  onsetSampleSeconds: 60,
  /** Lead time for `beforeOnset` (and the span compared on both sides of a change for a flag's own error rate). */
  onsetLeadSeconds: 600,
  /** A rise is at least this absolute increase in error rate (2 points)… */
  minRise: 0.02,
  /** …and at least this ratio over the rate before. */
  minRatio: 2,
} as const;

/** Planned changes: kept in the list, weighted down, because someone chose their time and content in advance. */
export const PLAN_WEIGHTS = {
  /** Executed by the scheduler at a time fixed in advance (the seed's main false positive: cron toggles). */
  scheduled: 0.5,
  /** A second engineer reviewed and approved the exact payload first; review catches some mistakes, not all. */
  preApproved: 0.7,
} as const;

/** Logged after the alert (within the skew tolerance): only a cause if the clocks disagree; often a response. */
export const AFTER_ALERT_WEIGHT = 0.5;

/**
 * Confidence words. HIGH: the top change is at least three times as suspicious as any other and has net positive
 * evidence (score ≥ 1); MEDIUM: within a factor of three of the top (a real contender); LOW: the rest.
 */
export const CONFIDENCE = {
  /** How far ahead (score ratio) the top must be for HIGH, and how close to the top a contender must be for MEDIUM. */
  lead: 3,
  highMinScore: 1,
} as const;
