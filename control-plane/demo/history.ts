/**
 * Three weeks of demo history (≈20k ledger entries) built in one transaction: the flag catalogue, the scripted
 * scenario flags, random activity weighted to working hours, a tombstoned key, pending four-eyes requests and a burst
 * of recent changes inside the incident's 30-minute lookback window. Same seed + anchor → byte-identical ledger.
 */
import type { App } from '../domain/app.ts';
import { approveChangeRequest, createChangeRequest, createDefinitionRequest } from '../domain/change-requests.ts';
import { applyEnvChange } from '../domain/env-change.ts';
import { createFlag, patchDefinition } from '../domain/flags.ts';
import { SCENARIO, TEAMS, flagCatalogue } from './catalog.ts';
import type { FlagSpec } from './catalog.ts';
import type { Pools } from './flows.ts';
import {
  autoRollbackFlow,
  breakGlassFlow,
  changeRequestFlow,
  envUpdate,
  incidentFlow,
  killFlow,
  metadataFlow,
} from './flows.ts';
import { Rng } from './rng.ts';
import { Sim } from './sim.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const SCRIPTED = new Set<string>([
  SCENARIO.culprit,
  SCENARIO.breakerTarget,
  SCENARIO.tombstoned,
  'payments.card.3ds-v2-challenge',
  'identity.auth.passkey-login',
  'discovery.ranking.ltr-model-v3',
]);

/** History size knobs (tests shrink them). */
export interface HistoryPlan {
  seed: number;
  anchor: number;
  flags: number;
  entries: number;
}

function createAll(sim: Sim, specs: FlagSpec[], pools: Pools): void {
  const byTeam = new Map<string, string[]>();
  const start = sim.now;
  specs.forEach((spec, i) => {
    sim.runAt(start + i * 12 * MIN + sim.rng.int(0, 10) * MIN, (s) => {
      const earlier = byTeam.get(spec.team) ?? [];
      const prereq = !SCRIPTED.has(spec.key) && earlier.length > 3 && s.rng.chance(0.1) ? [s.rng.pick(earlier)] : [];
      const person = TEAMS.find((t) => t.name === spec.team)?.people[0] ?? 'noah.schmidt';
      createFlag(s.app, s.as(person), {
        key: spec.key,
        type: spec.type,
        owner: spec.team,
        services: spec.services,
        tier: spec.tier,
        description: spec.description,
        stage: 'DRAFT',
        environments: { production: { prerequisites: prereq }, staging: { prerequisites: prereq } },
      });
      if (prereq.length === 0) byTeam.set(spec.team, [...earlier, spec.key]);
      pools.owner.set(spec.key, spec.team);
      if (SCRIPTED.has(spec.key)) return;
      if (spec.tier === 'HIGH' || spec.tier === 'BLOCKED') pools.gated.push(spec.key);
      else pools.direct.push(spec.key);
    });
  });
}

function ramp(
  sim: Sim,
  at: number,
  who: string,
  key: string,
  env: string,
  patch: { enabled?: boolean; rollout_pct?: number },
  reason: string,
): void {
  sim.at(at, (s) =>
    applyEnvChange(s.app, s.as(who), { key, env, action: 'flag.updated', reason, next: (b) => ({ ...b, ...patch }) }),
  );
}

function approvedChange(
  sim: Sim,
  at: number,
  who: string,
  approvers: string[],
  key: string,
  env: string,
  patch: { enabled?: boolean; rollout_pct?: number },
  reason: string,
  scheduledAt?: number,
): void {
  sim.at(at, (s) => {
    const cr = createChangeRequest(s.app, s.as(who), {
      flag_key: key,
      environment: env,
      patch,
      reason,
      scheduled_at: scheduledAt,
    });
    if (scheduledAt !== undefined) s.at(scheduledAt, () => undefined);
    approvers.forEach((a, i) =>
      s.at(s.now + (i + 1) * 7 * MIN, (s2) =>
        approveChangeRequest(s2.app, s2.as(a), cr.id, cr.payload_hash, 'reviewed the diff and the payload hash'),
      ),
    );
  });
}

/** The scripted flags: the culprit's ramp, express-pay's launch, the tombstoned key, pending requests. */
function script(sim: Sim, start: number, anchor: number): void {
  const { culprit, breakerTarget, tombstoned } = SCENARIO;
  ramp(
    sim,
    start + 5 * DAY,
    'maria.chen',
    culprit,
    'staging',
    { enabled: true, rollout_pct: 100 },
    'full rollout in staging',
  );
  sim.at(start + 8 * DAY, (s) =>
    patchDefinition(s.app, s.as('maria.chen'), 'responder', culprit, { stage: 'ACTIVE', reason: 'code deployed dark' }),
  );
  ramp(
    sim,
    start + 12 * DAY,
    'maria.chen',
    culprit,
    'production',
    { enabled: true, rollout_pct: 1 },
    'canary 1% in production',
  );
  ramp(sim, start + 15 * DAY, 'maria.chen', culprit, 'production', { rollout_pct: 5 }, 'ramp to 5% after clean canary');
  ramp(
    sim,
    anchor - 2 * DAY,
    'maria.chen',
    culprit,
    'production',
    { rollout_pct: 10 },
    'ramp to 10%, error budget healthy',
  );
  sim.at(anchor - 2 * DAY + HOUR, (s) =>
    patchDefinition(s.app, s.as('maria.chen'), 'responder', culprit, {
      stage: 'ROLLING_OUT',
      reason: 'ramp in progress',
    }),
  );
  ramp(
    sim,
    start + 4 * DAY,
    'priya.nair',
    breakerTarget,
    'staging',
    { enabled: true, rollout_pct: 100 },
    'enable in staging',
  );
  approvedChange(
    sim,
    start + 10 * DAY,
    'priya.nair',
    ['jonas.berg'],
    breakerTarget,
    'production',
    { enabled: true, rollout_pct: 100 },
    'launch express pay to everyone',
  );
  sim.at(start + 2 * DAY, (s) =>
    patchDefinition(s.app, s.as('noah.schmidt'), 'responder', tombstoned, {
      stage: 'CLEANUP',
      reason: 'RLP code path removed from all routers',
    }),
  );
  // A HIGH flag is archived through four-eyes: the tombstone is written when the archive request is approved.
  sim.at(start + 3 * DAY, (s) => {
    const cr = createDefinitionRequest(s.app, s.as('noah.schmidt'), 'responder', {
      flag_key: tombstoned,
      operation: 'archive',
      fields: {},
      reason: 'RLP router deleted; the key is retired for ever so it can never be reactivated (Knight Capital)',
    });
    s.at(s.now + 12 * MIN, (s2) =>
      approveChangeRequest(s2.app, s2.as('jonas.berg'), cr.id, cr.payload_hash, 'verified no router reads the key'),
    );
  });
  approvedChange(
    sim,
    anchor - 3 * HOUR,
    'maria.chen',
    ['sam.okafor'],
    'payments.card.3ds-v2-challenge',
    'production',
    { enabled: true, rollout_pct: 5 },
    'start 3DS v2 challenge at 5% of card payments',
  );
  approvedChange(
    sim,
    anchor - 5 * HOUR,
    'tom.becker',
    [],
    'identity.auth.passkey-login',
    'production',
    { enabled: true, rollout_pct: 1 },
    'passkey login canary for 1% of logins',
  );
  approvedChange(
    sim,
    anchor - 50 * MIN,
    'riley',
    [],
    'discovery.ranking.ltr-model-v3',
    'production',
    { enabled: true, rollout_pct: 20 },
    'LTR v3 to 20% of search traffic',
  );
}

/** Recent changes in the last 30 minutes, so the incident's lookback window has realistic noise. */
function recent(sim: Sim, pools: Pools, anchor: number): void {
  const picks = pools.direct
    .slice(0, 40)
    .filter((_, i) => i % 7 === 3)
    .slice(0, 4);
  const times = [26, 17, 9, 3];
  picks.forEach((key, i) =>
    sim.at(anchor - (times[i] ?? 5) * MIN, (s) => {
      const st = s.state(key, 'production');
      if (st === null) return;
      const who = TEAMS.find((t) => t.name === pools.owner.get(key))?.people[1] ?? 'zoe.martin';
      applyEnvChange(s.app, s.as(who), {
        key,
        env: 'production',
        action: 'flag.updated',
        reason: 'routine ramp',
        next: (b) => ({ ...b, enabled: true, rollout_pct: b.rollout_pct >= 50 ? 25 : 50 }),
      });
    }),
  );
  const sched = pools.direct[5];
  if (sched !== undefined)
    approvedChange(
      sim,
      anchor - 20 * HOUR,
      'zoe.martin',
      [],
      sched,
      'production',
      { enabled: true, rollout_pct: 100 },
      'nightly batch: full rollout at the agreed time',
      anchor - 8 * MIN,
    );
  const soon = pools.direct[9];
  if (soon !== undefined)
    approvedChange(
      sim,
      anchor - 6 * HOUR,
      'emma.larsen',
      [],
      soon,
      'production',
      { enabled: false },
      'maintenance window: disable carrier sync',
      anchor + 20_000,
    );
}

function randomEvent(sim: Sim, pools: Pools): void {
  const r = sim.rng.next();
  if (r < 0.64) envUpdate(sim, pools);
  else if (r < 0.79) changeRequestFlow(sim, pools, false);
  else if (r < 0.84) changeRequestFlow(sim, pools, true);
  else if (r < 0.87) killFlow(sim, pools);
  else if (r < 0.92) metadataFlow(sim, pools);
  else if (r < 0.945) incidentFlow(sim);
  else if (r < 0.955) breakGlassFlow(sim, pools);
  else if (r < 0.965) autoRollbackFlow(sim, pools);
  else envUpdate(sim, pools);
}

function workHourWeight(t: number): number {
  const hour = new Date(t).getUTCHours();
  const day = new Date(t).getUTCDay();
  const weekend = day === 0 || day === 6 ? 3 : 1;
  return (hour >= 8 && hour < 19 ? 0.6 : 2.2) * weekend;
}

/** Random activity until `end` or until the ledger holds ~`entries` entries. */
function activity(sim: Sim, pools: Pools, end: number, entries: number): void {
  while (sim.app.ledger.nextIdx() < entries && sim.now < end) {
    const remaining = Math.max(1, (entries - sim.app.ledger.nextIdx()) / 1.7);
    const gap = Math.max(1000, ((end - sim.now) / remaining) * workHourWeight(sim.now) * (0.3 + sim.rng.next() * 1.4));
    // Whole milliseconds: timestamps are integer columns (PostgreSQL refuses a fraction in a BIGINT).
    const t = Math.round(sim.now + gap);
    sim.drainUntil(t);
    sim.runAt(t, (s) => randomEvent(s, pools));
  }
}

/** Builds the whole history in one transaction. */
export function buildHistory(app: App, plan: HistoryPlan): void {
  const rng = new Rng(plan.seed);
  const start = plan.anchor - 21 * DAY;
  const sim = new Sim(app, rng, start);
  const pools: Pools = { direct: [], gated: [], owner: new Map() };
  app.notifier.muted = true;
  try {
    app.store.tx(() => {
      createAll(sim, flagCatalogue(rng, plan.flags), pools);
      script(sim, start, plan.anchor);
      recent(sim, pools, plan.anchor);
      // The incident's lookback window (30 min + skew) gets the scripted noise above, not random follow-ups whose
      // timing would move with the boot time and could put a gated change on the paging service next to the culprit.
      sim.quietFrom = plan.anchor - 35 * MIN;
      activity(sim, pools, plan.anchor - 40 * MIN, plan.entries - 40);
      sim.drainUntil(plan.anchor);
    });
  } finally {
    app.notifier.muted = false;
  }
}
