/**
 * Evaluation telemetry: each sample feeds the service metrics and, when it names a flag and environment, that flag's
 * circuit-breaker window. A trip rolls the flag back to its safe default as `system:evaluator` (LOW/MEDIUM quietly,
 * HIGH with an alert). Where one person could not do it alone either — BLOCKED flags, and HIGH flags whose safe default
 * serves more users than now (gate.ts) — nothing changes automatically: a change request is opened and an alert sent.
 */
import { stmt } from '../db/stmt.ts';
import { arr, bool, num, obj, optional, str, timestamp } from '../../shared/validation/schema.ts';
import { type ActionContext, type App, EVALUATOR } from './app.ts';
import { createChangeRequest } from './change-requests.ts';
import { applyEnvChange, currentState } from './env-change.ts';
import { sameState } from './env-state.ts';
import type { FlagRecord } from './flag-def.ts';
import { type GateTier, gateTier, isGated, needsFourEyes } from './gate.ts';
import { getFlag } from './flag-repo.ts';
import { flagSeriesKey } from './metrics-store.ts';
import type { Trip } from './circuit-breaker.ts';

/** One evaluation outcome. */
export interface Sample {
  service: string;
  environment?: string | undefined;
  flag_key?: string | undefined;
  /** Every flag the request evaluated: its per-flag metrics (not its breaker window). */
  flags?: string[] | undefined;
  error: boolean;
  latency_ms: number;
  ts?: number | undefined;
}

/**
 * A flag key as telemetry names it: any lowercase dotted key, not only today's team.domain.purpose shape (flags
 * created before that rule, such as the demo's payments.card.3ds-v2-challenge, are evaluated and reported too).
 */
export const telemetryKeyCheck = str({ min: 1, max: 140, pattern: /^[a-z0-9][a-z0-9._-]*$/, what: 'a flag key' });

/** Body of POST /api/v1/telemetry. */
export const telemetryShape = {
  samples: arr(
    obj({
      service: str({ min: 1, max: 40, pattern: /^[a-z][a-z0-9-]*$/, what: 'a lowercase service name' }),
      environment: optional(str({ min: 1, max: 40 })),
      flag_key: optional(telemetryKeyCheck),
      flags: optional(arr(telemetryKeyCheck, 200)),
      error: bool(),
      latency_ms: num(0, 600_000),
      ts: optional(timestamp()),
    }),
    10_000,
  ),
};

/** What the breaker did for one trip. */
export interface TripOutcome {
  flag_key: string;
  environment: string;
  error_rate: number;
  action: 'auto_rolled_back' | 'change_request_opened' | 'none';
  idx: number | null;
}

/** Ingests samples; returns the breaker outcomes (each acted on in its own transaction). */
export function ingestSamples(app: App, samples: readonly Sample[], now: number): TripOutcome[] {
  const trips: Trip[] = [];
  for (const s of samples) {
    app.metrics.record(s.service, s.error, s.latency_ms, s.ts ?? now);
    if (s.environment === undefined) continue;
    if (s.flags !== undefined) {
      for (const key of new Set(s.flags)) {
        if (key !== s.flag_key)
          app.flagMetrics.record(flagSeriesKey(key, s.environment), s.error, s.latency_ms, s.ts ?? now);
      }
    }
    if (s.flag_key === undefined) continue;
    app.flagMetrics.record(flagSeriesKey(s.flag_key, s.environment), s.error, s.latency_ms, s.ts ?? now);
    const trip = app.breaker.record(s.flag_key, s.environment, s.error);
    if (trip !== null) trips.push(trip);
  }
  return trips.map((t) => app.store.tx(() => actOnTrip(app, t, now)));
}

function pct(rate: number): string {
  return `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}

/** Applies the breaker's decision for one trip. */
export function actOnTrip(app: App, trip: Trip, now: number): TripOutcome {
  const out: TripOutcome = {
    flag_key: trip.flag,
    environment: trip.env,
    error_rate: trip.errorRate,
    action: 'none',
    idx: null,
  };
  const rec = getFlag(app.db, trip.flag);
  if (rec === null || !app.options.environments.includes(trip.env)) return out;
  const safe = rec.definition.safe_default;
  const before = currentState(rec, trip.env);
  const target = { ...before, enabled: safe.enabled, rollout_pct: safe.rollout_pct };
  if (sameState(before, target)) return out;
  const { window, threshold } = app.breaker.policy;
  const why = `circuit_breaker: error rate ${pct(trip.errorRate)} over the last ${window} requests exceeds ${pct(threshold)}`;
  const ctx: ActionContext = { actor: EVALUATOR, now };
  const gate = gateTier(app.db, rec.definition, trip.env);
  if (needsFourEyes('kill', gate.tier, before, target)) return openRequest(app, ctx, rec, gate, trip, why, out);
  const result = applyEnvChange(app, ctx, {
    key: trip.flag,
    env: trip.env,
    action: 'flag.auto_rolled_back',
    reason: why,
    next: () => target,
  });
  const high = isGated(gate.tier);
  alert(
    app,
    ctx,
    rec,
    trip,
    high ? 'error' : 'info',
    `Circuit breaker rolled back ${trip.flag} in ${trip.env} to its safe default`,
    why,
    result.idx,
  );
  return { ...out, action: 'auto_rolled_back', idx: result.idx };
}

/**
 * What the breaker does where it may not act alone — a BLOCKED flag, or a HIGH flag whose safe default would serve
 * more users than now (gate.ts): it opens a change request to the safe default and sends a critical alert.
 */
function openRequest(
  app: App,
  ctx: ActionContext,
  rec: FlagRecord,
  gate: GateTier,
  trip: Trip,
  why: string,
  out: TripOutcome,
): TripOutcome {
  const open = stmt(
    app.db,
    "SELECT id FROM change_requests WHERE flag_key = ? AND env = ? AND requested_by = ? AND status = 'PENDING'",
  ).get(trip.flag, trip.env, EVALUATOR.id);
  if (open !== undefined) return out;
  const safe = rec.definition.safe_default;
  const who = gate.via === null ? `${trip.flag} is ${gate.tier} tier` : `${trip.flag} gates ${gate.via} (${gate.tier})`;
  const approvers = gate.tier === 'BLOCKED' ? 'two approvers' : 'one approver';
  const reason =
    gate.tier === 'BLOCKED'
      ? `${why}; ${who}, so it is never rolled back automatically — ${approvers} must approve this rollback`
      : `${why}; ${who} and its safe default serves more users than now, so it is not applied automatically — ${approvers} must approve it`;
  const cr = createChangeRequest(app, ctx, {
    flag_key: trip.flag,
    environment: trip.env,
    patch: { enabled: safe.enabled, rollout_pct: safe.rollout_pct },
    reason,
  });
  alert(
    app,
    ctx,
    rec,
    trip,
    'critical',
    `Circuit breaker tripped on ${gate.tier} flag ${trip.flag} in ${trip.env}: rollback needs approval (${cr.id})`,
    why,
    null,
  );
  return { ...out, action: 'change_request_opened', idx: null };
}

function alert(
  app: App,
  ctx: ActionContext,
  rec: FlagRecord,
  trip: Trip,
  severity: 'critical' | 'error' | 'info',
  summary: string,
  why: string,
  idx: number | null,
): void {
  app.store.afterCommit(() =>
    app.notifier.send({
      event: severity === 'critical' ? 'circuit_breaker.approval_required' : 'circuit_breaker.rolled_back',
      severity,
      ts: new Date(ctx.now).toISOString(),
      dedup_key: `breaker-${trip.flag}-${trip.env}-${ctx.now}`,
      summary,
      details: {
        flag: trip.flag,
        env: trip.env,
        tier: rec.definition.tier,
        error_rate: trip.errorRate,
        reason: why,
        ledger_idx: idx,
      },
    }),
  );
}
