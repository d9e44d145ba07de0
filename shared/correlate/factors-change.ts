/** Factors about the change itself: how recent, what it did to exposure, whether it was planned, when it was logged. */
import type { ChangeRecord } from './changes.ts';
import { exposureOf, readEnvState } from './env-state.ts';
import { formatSeconds } from './time.ts';
import type { Factor, FlagCatalog } from './types.ts';
import { AFTER_ALERT_WEIGHT, EXPOSURE_WEIGHTS, PLAN_WEIGHTS } from './weights.ts';

/** A factor whose multiplier is carried in log space, so huge windows never underflow to ties at 0. */
export interface LogFactor extends Factor {
  log: number;
}

function pct(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

/**
 * Recency: half the weight per half-life, counted only beyond the skew tolerance, because within ±skew of the alert
 * the clocks cannot order a change and the alert. Changes logged after the alert (within skew) count as at the alert.
 */
export function recencyFactor(deltaSeconds: number, skewSeconds: number, halfLifeSeconds: number): LogFactor {
  const beyond = Math.max(0, deltaSeconds - skewSeconds);
  const log = (-beyond / halfLifeSeconds) * Math.LN2;
  const when =
    deltaSeconds >= 0
      ? `changed ${formatSeconds(deltaSeconds)} before the alert`
      : `logged ${formatSeconds(deltaSeconds)} after the alert`;
  const within = beyond === 0 && deltaSeconds >= 0 ? ' (within clock skew)' : '';
  return { factor: 'recency', multiplier: Math.exp(log), log, text: when + within };
}

function toSafeDefault(r: ChangeRecord, catalog: FlagCatalog): boolean {
  const safe = catalog.get(r.flag)?.safe_default ?? null;
  const after = readEnvState(r.after);
  return safe !== null && after !== null && exposureOf(after) === exposureOf(safe) && after.enabled === safe.enabled;
}

/**
 * An exposure move (increase or decrease), judged against the flag's declared safe default: moving away from the
 * state the owners named as safe is the risky direction, moving towards it the reassuring one. For most flags the
 * safe default is off, so "away" is "on"; for a kill switch or a protective ops flag whose safe default is on, turning
 * it off is the risky move (Knight Capital's was a repurposed flag switched the wrong way).
 */
function exposureMove(r: ChangeRecord, catalog: FlagCatalog, from: number, to: number): Factor {
  const f = (multiplier: number, text: string): Factor => ({ factor: 'exposure', multiplier, text });
  const safeDef = catalog.get(r.flag)?.safe_default ?? null;
  const safe = safeDef === null ? 0 : exposureOf(safeDef);
  const [was, now] = [Math.abs(from - safe), Math.abs(to - safe)];
  if (now > was) {
    const first = was === 0;
    const m = 1 + EXPOSURE_WEIGHTS.perNewShare * (now - was) * (first ? EXPOSURE_WEIGHTS.firstExposure : 1);
    if (safe === 0)
      return f(m, first ? `turned on for ${pct(to)} (first exposure)` : `ramped ${pct(from)} → ${pct(to)}`);
    const verb =
      to < from
        ? to === 0
          ? 'turned off'
          : `ramped down ${pct(from)} → ${pct(to)}`
        : `ramped ${pct(from)} → ${pct(to)}`;
    return f(
      m,
      first
        ? `${verb}: leaves its safe default (${pct(safe)})`
        : `${verb}, further from its safe default (${pct(safe)})`,
    );
  }
  if (toSafeDefault(r, catalog)) return f(EXPOSURE_WEIGHTS.safeDefault, `back to its safe default (${pct(to)})`);
  if (safe === 0)
    return f(
      EXPOSURE_WEIGHTS.decrease,
      to === 0 ? `turned off (was ${pct(from)})` : `ramped down ${pct(from)} → ${pct(to)}`,
    );
  const verb = to < from ? `ramped down ${pct(from)} → ${pct(to)}` : `ramped ${pct(from)} → ${pct(to)}`;
  return f(EXPOSURE_WEIGHTS.decrease, `${verb}, towards its safe default (${pct(safe)})`);
}

/** Direction and size of the exposure change: 0→50 % is not 45→50 %, and turning something off is less suspicious. */
export function exposureFactor(r: ChangeRecord, catalog: FlagCatalog): Factor {
  const f = (multiplier: number, text: string): Factor => ({ factor: 'exposure', multiplier, text });
  const c = r.change;
  switch (c.kind) {
    case 'increase':
    case 'decrease':
      return exposureMove(r, catalog, c.from, c.to);
    case 'variation':
      return f(
        1 + EXPOSURE_WEIGHTS.perNewShare * c.share,
        `variation ${c.from ?? '?'} → ${c.to ?? '?'} for ${pct(c.share)}`,
      );
    case 'targeting':
      return c.narrowed
        ? f(EXPOSURE_WEIGHTS.decrease, `${c.what} narrowed: users can only lose the treatment`)
        : f(EXPOSURE_WEIGHTS.targeting, `${c.what} changed at the same exposure`);
    case 'segment': {
      if (c.direction === 'off') {
        return toSafeDefault(r, catalog)
          ? f(EXPOSURE_WEIGHTS.safeDefault, 'back to its safe default (its rules no longer apply)')
          : f(EXPOSURE_WEIGHTS.decrease, 'turned off for the users its rules targeted');
      }
      const m = 1 + EXPOSURE_WEIGHTS.perNewShare * EXPOSURE_WEIGHTS.ruleSegmentShare * EXPOSURE_WEIGHTS.firstExposure;
      return f(m, 'turned on for the users its rules target (first exposure)');
    }
    case 'unreadable':
      return f(EXPOSURE_WEIGHTS.unreadable, 'value is not a flag state; size unknown');
    case 'none':
      return f(1, 'no change in what users get');
  }
}

/** Planned changes: scheduled and/or pre-approved ones are weighted down, never hidden. */
export function planFactor(r: ChangeRecord): Factor {
  const m = (r.scheduled ? PLAN_WEIGHTS.scheduled : 1) * (r.pre_approved ? PLAN_WEIGHTS.preApproved : 1);
  const text =
    r.scheduled && r.pre_approved
      ? 'scheduled and pre-approved'
      : r.scheduled
        ? 'scheduled in advance'
        : r.pre_approved
          ? 'pre-approved change request'
          : 'unplanned change';
  return { factor: 'plan', multiplier: m, text };
}

/** Changes the ledger logged after the alert count only if the clocks disagree (and are often responses). */
export function afterAlertFactor(deltaSeconds: number): Factor {
  return deltaSeconds < 0
    ? {
        factor: 'after_alert',
        multiplier: AFTER_ALERT_WEIGHT,
        text: 'logged after the alert: cause only if clocks disagree',
      }
    : { factor: 'after_alert', multiplier: 1, text: 'logged before the alert' };
}
