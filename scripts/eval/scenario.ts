/**
 * One evaluation scenario: an organisation and a day of flag changes around an incident on one service. The cause is
 * picked afterwards among the service's real changes before the alert (its flags, including ones whose metadata is
 * stale, and their prerequisites), weighted by the generator's hazard × lag density (hazard.ts) — so every change
 * could have been it, and the noise is whatever else happened.
 */
import { approvedChangeRequests, changeRecords, type ChangeRecord } from '../../shared/correlate/changes.ts';
import { findIncident } from '../../shared/correlate/incident.ts';
import type { CorrelationEntry } from '../../shared/correlate/types.ts';
import { createFlag, incident, resetIds } from './events.ts';
import { hazard, lagDensity } from './hazard.ts';
import { LedgerBuilder, type ScheduledEvent } from './ledger-builder.ts';
import type { Mix } from './mixes.ts';
import { noiseEvents } from './noise.ts';
import { createRng, type Rng } from './rng.ts';
import type { Scenario } from './types.ts';
import { generateTelemetry } from './telemetry-gen.ts';
import { generateWorld, type World, type WorldFlag } from './world.ts';

const BASE_MS = Date.UTC(2026, 10, 25, 0, 0, 0);

/** The scenario's activity starts 75 minutes before the alert; the organisation's setup a month earlier is never a cause. */
const ACTIVITY_BEFORE_MS = 75 * 60_000;

function makeStale(rng: Rng, world: World, service: string, f: WorldFlag): void {
  f.registered = f.registered.filter((s) => s !== service);
  if (f.registered.length > 0) return;
  const siblings = (world.servicesOf.get(f.team) ?? []).filter((s) => s !== service);
  f.registered = [siblings.length > 0 ? rng.pick(siblings) : rng.pick(world.services.filter((s) => s !== service))];
}

/** Drifts metadata (stale services lists), links remote prerequisites, and returns the flags really tied to the service. */
function linkService(rng: Rng, mix: Mix, world: World, service: string): WorldFlag[] {
  const own = world.flags.filter((f) => f.evaluatedBy.includes(service));
  for (let i = 0; i < mix.prerequisiteLinks; i++) {
    const y = rng.pick(own);
    const x = rng.pick(world.flags.filter((f) => !f.evaluatedBy.includes(service) && !f.prerequisites.includes(y.key)));
    y.prerequisites = [x.key];
    for (const s of Object.values(y.state)) s.prerequisites = [x.key];
  }
  for (const f of own) if (rng.chance(mix.stale)) makeStale(rng, world, service, f);
  const prereqs = own
    .flatMap((f) => f.prerequisites)
    .map((k) => world.flags.find((f) => f.key === k))
    .filter((f): f is WorldFlag => f !== undefined);
  return [...new Set([...own, ...prereqs])];
}

interface Picked {
  cause: ChangeRecord;
  /** The generator's own posterior of its top-1 / top-3 (an oracle's expected p@1 / p@3 on this scenario). */
  oracle1: number;
  oracle3: number;
}

function pickCause(
  rng: Rng,
  mix: Mix,
  world: World,
  entries: readonly CorrelationEntry[],
  linked: readonly WorldFlag[],
  alertMs: number,
): Picked | null {
  const approved = approvedChangeRequests(entries);
  const keys = new Set(linked.map((f) => f.key));
  const eligible = entries
    .flatMap((e) => changeRecords(e, approved))
    .filter(
      (r) =>
        r.env === 'production' &&
        keys.has(r.flag) &&
        r.tsMs < alertMs &&
        r.tsMs >= alertMs - ACTIVITY_BEFORE_MS &&
        r.entry.action !== 'flag.killed',
    );
  const weighted = eligible
    .map((r) => {
      const tier = world.flags.find((f) => f.key === r.flag)?.tier ?? 'LOW';
      const w =
        mix.cause === 'uniform'
          ? lagDensity(mix, (alertMs - r.tsMs) / 1000)
          : hazard(r, tier) * lagDensity(mix, (alertMs - r.tsMs) / 1000);
      return [r, w] as const;
    })
    .filter(([, w]) => w > 0);
  if (weighted.length === 0) return null;
  const total = weighted.reduce((sum, [, w]) => sum + w, 0);
  const sorted = weighted.map(([, w]) => w / total).sort((a, b) => b - a);
  return {
    cause: rng.weighted(weighted),
    oracle1: sorted[0] ?? 0,
    oracle3: sorted.slice(0, 3).reduce((a, b) => a + b, 0),
  };
}

/** Inserts the circuit breaker's rollback of the cause (when nothing later touches that flag), renumbering idx. */
function insertAutoRollback(rng: Rng, entries: CorrelationEntry[], cause: ChangeRecord, alertMs: number): void {
  const later = entries.some((e) => e.idx > cause.entry.idx && e.flag === cause.flag && e.env === cause.env);
  const kind = cause.change.kind;
  if (later || (kind !== 'increase' && kind !== 'variation')) return;
  const ms = cause.tsMs + (alertMs - cause.tsMs) * rng.real(0.4, 0.9);
  const at = entries.findIndex((e) => Date.parse(e.ts) > ms);
  const pos = at < 0 ? entries.length : at;
  const disabled =
    typeof cause.after === 'object' && cause.after !== null && !Array.isArray(cause.after)
      ? { ...cause.after, enabled: false }
      : null;
  entries.splice(pos, 0, {
    ...cause.entry,
    idx: pos,
    ts: new Date(Math.max(ms, Date.parse(entries[pos - 1]?.ts ?? '') + 1)).toISOString(),
    actor: { type: 'system', id: 'system:evaluator' },
    action: 'flag.auto_rolled_back',
    before: cause.after,
    after: disabled,
    reason: 'circuit_breaker: error rate above 5% over 100 requests',
    refs: {},
  });
  for (let i = pos; i < entries.length; i++) entries[i] = { ...entries[i]!, idx: i };
}

function tagsOf(cause: ChangeRecord, world: World, service: string, alertAt: string): string[] {
  const f = world.flags.find((w) => w.key === cause.flag);
  const link =
    f?.registered.includes(service) === true
      ? 'direct'
      : f?.evaluatedBy.includes(service) === true
        ? 'stale'
        : 'prerequisite';
  const path = cause.scheduled ? 'scheduled' : cause.pre_approved ? 'pre-approved' : 'direct';
  const source = cause.entry.reason.split(':')[0] ?? '?';
  return [
    `link:${link}`,
    `kind:${cause.change.kind}`,
    `path:${path}`,
    `source:${source}`,
    cause.tsMs > Date.parse(alertAt) ? 'after-alert' : 'before-alert',
  ];
}

function attempt(mix: Mix, seed: number, n: number): Scenario | null {
  resetIds();
  const rng = createRng(seed);
  const world = generateWorld(rng);
  const service = rng.pick(
    world.services.filter((s) => world.flags.filter((f) => f.evaluatedBy.includes(s)).length >= 2),
  );
  const linked = linkService(rng, mix, world, service);
  const alertMs = BASE_MS + rng.int(60, 23 * 60) * 60_000 + rng.int(0, 59_999);
  const skew = rng.real(-mix.skew, mix.skew);
  const id = `PD-${mix.name}-${n}`;
  const events: ScheduledEvent[] = [
    ...world.flags.map((f) => createFlag(f, BASE_MS - 30 * 86_400_000 + rng.int(0, 86_400_000), rng)),
    ...noiseEvents(rng, mix, { world, service, linked, alertMs }),
    incident(
      id,
      service,
      rng.chance(mix.incidentEnv) ? 'production' : null,
      alertMs + rng.real(5, 60) * 1000,
      alertMs + skew * 1000,
    ),
  ];
  const b = new LedgerBuilder(`tombstone.eval/${mix.name}`);
  b.runAll(events);
  const picked = pickCause(rng, mix, world, b.entries, linked, alertMs);
  if (picked === null) return null;
  const cause = picked.cause;
  const entries = [...b.entries];
  if (rng.chance(mix.autoRollback) && world.flags.find((f) => f.key === cause.flag)?.tier !== 'BLOCKED') {
    insertAutoRollback(rng, entries, cause, alertMs);
  }
  const inc = findIncident(entries, id);
  const telemetry =
    mix.telemetry > 0 || mix.serviceMetrics
      ? generateTelemetry(rng, {
          entries,
          cause,
          alertMs,
          service,
          linked: new Set(linked.map((f) => f.key)),
          coverage: mix.telemetry,
        })
      : null;
  return {
    id,
    mix: mix.name,
    entries,
    incident: inc,
    truthIdx: cause.entry.idx,
    tags: tagsOf(cause, world, service, inc.at),
    oracle: { p1: picked.oracle1, p3: picked.oracle3 },
    telemetry,
  };
}

/** Generates scenario `n` of a mix from `seed` (deterministic; retries with derived seeds if nothing could be the cause). */
export function generateScenario(mix: Mix, seed: number, n: number): Scenario {
  for (let i = 0; i < 20; i++) {
    const s = attempt(mix, (seed + i * 104_729) >>> 0, n);
    if (s !== null) return s;
  }
  throw new Error(`scenario ${n} of ${mix.name}: no change could be the cause after 20 attempts`);
}
