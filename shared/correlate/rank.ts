/**
 * The ranking: candidates in [T − window − skew, T + skew], each scored as the product of its factors (recency decay
 * × evidence weights, see weights.ts), sorted with a deterministic tie-break, the top `limit` returned with words.
 */
import { approvedChangeRequests, changeRecords, isEvaluatorResponse, type ChangeRecord } from './changes.ts';
import { CorrelateError } from './errors.ts';
import { afterAlertFactor, exposureFactor, planFactor, recencyFactor } from './factors-change.ts';
import { environmentFactor, linkContext, serviceFactor, tierFactor, type LinkContext } from './factors-link.ts';
import { deriveFlagCatalog, dependentsIndex } from './flag-catalog.ts';
import { describeNotes } from './notes.ts';
import { telemetryContext, telemetryFactor, type TelemetryContext } from './telemetry.ts';
import { formatInstant, parseInstant } from './time.ts';
import type {
  Candidate,
  Confidence,
  ContextEntry,
  CorrelateInput,
  CorrelateOptions,
  CorrelationEntry,
  CorrelationResult,
  Factor,
} from './types.ts';
import { CONFIDENCE, DEFAULTS } from './weights.ts';

/** Longest window or skew accepted (100 years): keeps every instant of the window representable. */
export const MAX_SPAN_SECONDS = 100 * 366 * 86400;

/** Options with every default filled in and validated. */
export type ResolvedOptions = Required<CorrelateOptions>;

interface Scored {
  r: ChangeRecord;
  log: number;
  delta: number;
  factors: Factor[];
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new CorrelateError('BAD_OPTION', message);
}

/** Fills in defaults and validates options; throws BAD_OPTION with what to write instead. */
export function resolveOptions(o: CorrelateOptions = {}): ResolvedOptions {
  const r = {
    windowSeconds: o.windowSeconds ?? DEFAULTS.windowSeconds,
    skewSeconds: o.skewSeconds ?? DEFAULTS.skewSeconds,
    halfLifeSeconds: o.halfLifeSeconds ?? DEFAULTS.halfLifeSeconds,
    limit: o.limit ?? DEFAULTS.limit,
  };
  check(
    Number.isFinite(r.windowSeconds) && r.windowSeconds >= 0 && r.windowSeconds <= MAX_SPAN_SECONDS,
    'the window must be a non-negative duration of at most 100 years (e.g. 30m).',
  );
  check(
    Number.isFinite(r.skewSeconds) && r.skewSeconds >= 0 && r.skewSeconds <= MAX_SPAN_SECONDS,
    'the skew tolerance must be a finite, non-negative duration (e.g. 120s).',
  );
  check(
    Number.isFinite(r.halfLifeSeconds) && r.halfLifeSeconds > 0,
    'the half-life must be a positive duration (e.g. 10m).',
  );
  check(Number.isSafeInteger(r.limit) && r.limit >= 1, 'the limit must be a whole number ≥ 1 (e.g. 3).');
  return r;
}

function scoreRecord(
  r: ChangeRecord,
  incidentMs: number,
  o: ResolvedOptions,
  link: LinkContext,
  tel: TelemetryContext,
): Scored {
  const delta = (incidentMs - r.tsMs) / 1000;
  const recency = recencyFactor(delta, o.skewSeconds, o.halfLifeSeconds);
  const rest: Factor[] = [
    serviceFactor(link, r),
    environmentFactor(link, r),
    tierFactor(link, r),
    exposureFactor(r, link.catalog),
    telemetryFactor(tel, r),
    planFactor(r),
    afterAlertFactor(delta),
  ];
  const log = rest.reduce((s, f) => s + Math.log(f.multiplier), recency.log);
  const { log: _log, ...recencyPlain } = recency;
  return { r, log, delta, factors: [recencyPlain, ...rest] };
}

/** Higher score first, then the later change, then the higher ledger index, then the environment name. */
function compareScored(a: Scored, b: Scored): number {
  if (a.log !== b.log) return b.log - a.log;
  if (a.r.tsMs !== b.r.tsMs) return b.r.tsMs - a.r.tsMs;
  if (a.r.entry.idx !== b.r.entry.idx) return b.r.entry.idx - a.r.entry.idx;
  return (a.r.env ?? '').localeCompare(b.r.env ?? '');
}

/** HIGH for a top change far ahead of the rest with positive evidence, MEDIUM for contenders, LOW otherwise. */
function confidence(scored: readonly Scored[], i: number): Confidence {
  const top = scored[0]!.log;
  const next = scored[1]?.log ?? -Infinity;
  const lead = Math.log(CONFIDENCE.lead);
  const s = scored[i]!.log;
  if (i === 0 && top - next >= lead && s >= Math.log(CONFIDENCE.highMinScore)) return 'HIGH';
  return s >= top - lead ? 'MEDIUM' : 'LOW';
}

function seconds(ms: number): number {
  const s = Math.round(ms) / 1000;
  return s === 0 ? 0 : s;
}

function toCandidate(s: Scored, rank: number, confidenceWord: Confidence): Candidate {
  const e = s.r.entry;
  return {
    candidate_rank: rank,
    flag_key: s.r.flag,
    environment: s.r.env,
    actor: e.actor.id,
    previous_value: s.r.before,
    new_value: s.r.after,
    delta_seconds_before_alert: seconds(s.delta * 1000),
    score: Number(Math.exp(s.log).toPrecision(4)),
    confidence: confidenceWord,
    explanation: s.factors,
    scheduled: s.r.scheduled,
    pre_approved: s.r.pre_approved,
    after_alert: s.delta < 0,
    ledger_idx: e.idx,
    verified: e.verified,
  };
}

function toContext(e: CorrelationEntry, incidentMs: number): ContextEntry {
  return {
    ledger_idx: e.idx,
    flag_key: e.flag ?? '',
    environment: e.env,
    actor: e.actor.id,
    ts: e.ts,
    delta_seconds_before_alert: seconds(incidentMs - Date.parse(e.ts)),
    previous_value: e.before,
    new_value: e.after,
    reason: e.reason,
    verified: e.verified,
  };
}

/** Ranks the flag changes around an incident: the top `limit` candidates, the circuit breaker's context, and notes. */
export function rankCandidates(input: CorrelateInput): CorrelationResult {
  const o = resolveOptions(input.options);
  const incidentMs = parseInstant(input.incident.at);
  const fromMs = incidentMs - (o.windowSeconds + o.skewSeconds) * 1000;
  const toMs = incidentMs + o.skewSeconds * 1000;
  const timed = input.entries.map((e) => ({ e, ms: Date.parse(e.ts) }));
  const inWindow = timed
    .filter((t) => t.ms >= fromMs && t.ms <= toMs)
    .map((t) => t.e)
    .sort((a, b) => a.idx - b.idx);
  const catalog = input.catalog ?? deriveFlagCatalog(timed.filter((t) => t.ms <= toMs).map((t) => t.e));
  const approved = input.approvedChangeRequests ?? approvedChangeRequests(input.entries);
  const rollbacks = inWindow.filter(isEvaluatorResponse);
  const { service, environment } = input.incident;
  const link: LinkContext = linkContext(service, environment, catalog, dependentsIndex(catalog));
  const tel = telemetryContext(input.telemetry, incidentMs, o.skewSeconds, service, rollbacks);
  const scored = inWindow
    .flatMap((e) => changeRecords(e, approved))
    .map((r) => scoreRecord(r, incidentMs, o, link, tel));
  scored.sort(compareScored);
  const candidates = scored.slice(0, o.limit).map((s, i) => toCandidate(s, i + 1, confidence(scored, i)));
  return {
    incident: { id: input.incident.id, service, environment, at: formatInstant(incidentMs) },
    window: {
      from: formatInstant(fromMs),
      to: formatInstant(toMs),
      window_seconds: o.windowSeconds,
      skew_seconds: o.skewSeconds,
      half_life_seconds: o.halfLifeSeconds,
    },
    candidates,
    considered: scored.length,
    context: rollbacks.map((e) => toContext(e, incidentMs)),
    notes: describeNotes({
      timed,
      incidentMs,
      fromMs,
      toMs,
      candidates,
      considered: scored.length,
      service,
      telemetry: tel.supplied,
      flagTelemetry: tel.flags.size > 0,
      firstEntryAt: input.firstEntryAt,
    }),
  };
}
