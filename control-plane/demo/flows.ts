/** Randomised activity flows of the demo history; each runs real domain operations at simulated times. */
import { EVALUATOR } from '../domain/app.ts';
import { issueBreakGlass } from '../domain/break-glass.ts';
import { approveChangeRequest, createChangeRequest, rejectChangeRequest } from '../domain/change-requests.ts';
import { applyEnvChange, currentState, gatedEnvChange } from '../domain/env-change.ts';
import { type EnvPatch, type EnvState } from '../../shared/protocol/index.ts';
import { sameState } from '../domain/env-state.ts';
import { patchDefinition } from '../domain/flags.ts';
import { openIncident, transitionIncident } from '../domain/incidents.ts';
import { killFlag } from '../domain/rollback.ts';
import { APPROVERS, BOTS, SERVICES, TEAMS } from './catalog.ts';
import type { Sim } from './sim.ts';

const MIN = 60_000;
const STEPS = [1, 5, 10, 25, 50, 100];
const COUNTRIES = ['DE', 'FR', 'NL', 'US', 'GB', 'JP', 'BR'];

/** Flags the random flows may touch, by tier. */
export interface Pools {
  direct: string[];
  gated: string[];
  owner: Map<string, string>;
}

function teamPeople(pools: Pools, key: string): string[] {
  return TEAMS.find((t) => t.name === pools.owner.get(key))?.people ?? ['noah.schmidt'];
}

function actorFor(sim: Sim, pools: Pools, key: string): { id: string; type: 'user' | 'service' } {
  if (sim.rng.chance(0.15)) return { id: sim.rng.pick(BOTS), type: 'service' };
  return { id: sim.rng.pick(teamPeople(pools, key)), type: 'user' };
}

/** A plausible next step for a flag's state: ramp, enable, rule tweak or switch-off. */
export function nextPatch(sim: Sim, s: EnvState, env: string): { patch: EnvPatch; reason: string } {
  const r = sim.rng.next();
  if (!s.enabled)
    return {
      patch: { enabled: true, rollout_pct: env === 'staging' ? 100 : sim.rng.pick([1, 5]) },
      reason: 'start rollout',
    };
  if (r < 0.08) return { patch: { enabled: false }, reason: 'pause rollout while investigating' };
  if (r < 0.2) {
    const rule = {
      attribute: sim.rng.pick(['country', 'plan', 'app_version']),
      op: 'in' as const,
      values: [sim.rng.pick(COUNTRIES)],
      variation: s.variation,
    };
    return { patch: { rules: s.rules.length > 2 ? [] : [...s.rules, rule] }, reason: 'adjust targeting' };
  }
  if (r < 0.3 && s.rollout_pct > 1)
    return {
      patch: { rollout_pct: Math.max(1, Math.floor(s.rollout_pct / 2)) },
      reason: 'dial back after alert noise',
    };
  const next = STEPS.find((p) => p > s.rollout_pct);
  if (next === undefined)
    return { patch: { rollout_pct: sim.rng.pick([25, 50]) }, reason: 'partial rollback for load test' };
  return { patch: { rollout_pct: next }, reason: `ramp to ${next}%` };
}

function env(sim: Sim): string {
  return sim.rng.chance(0.6) ? 'production' : 'staging';
}

/** A direct update of a LOW/MEDIUM flag. */
export function envUpdate(sim: Sim, pools: Pools): void {
  const key = sim.rng.pick(pools.direct);
  const e = env(sim);
  const rec = sim.flag(key);
  if (rec === null) return;
  const { patch, reason } = nextPatch(sim, currentState(rec, e), e);
  const a = actorFor(sim, pools, key);
  gatedEnvChange(
    sim.app,
    sim.as(a.id, a.type),
    'update',
    { key, env: e, action: 'flag.updated', reason, next: (b) => ({ ...b, ...patch }) },
    undefined,
    rec,
  );
}

/** A four-eyes change request on a HIGH/BLOCKED flag, approved (or rejected) over the next hour; optionally scheduled. */
export function changeRequestFlow(sim: Sim, pools: Pools, scheduled: boolean): void {
  const key = sim.rng.pick(scheduled ? [...pools.gated, ...pools.direct] : pools.gated);
  const e = sim.rng.chance(0.75) ? 'production' : 'staging';
  const s = sim.state(key, e);
  if (s === null) return;
  const requester = sim.rng.pick(teamPeople(pools, key));
  const { patch, reason } = nextPatch(sim, s, e);
  const runAt = scheduled ? Math.ceil((sim.now + sim.rng.int(2, 14) * 60 * MIN) / (15 * MIN)) * 15 * MIN : undefined;
  const cr = createChangeRequest(sim.app, sim.as(requester), {
    flag_key: key,
    environment: e,
    patch,
    reason: scheduled ? `scheduled: ${reason}` : reason,
    scheduled_at: runAt,
  });
  if (runAt !== undefined) sim.at(runAt, () => undefined);
  const approvers = APPROVERS.filter((p) => p !== requester);
  const first = sim.rng.pick(approvers);
  const reject = !scheduled && sim.rng.chance(0.08);
  for (let i = 0; i < cr.required_approvals; i++) {
    const who = i === 0 ? first : sim.rng.pick(approvers.filter((p) => p !== first));
    sim.followUp(sim.now + (i + 1) * sim.rng.int(4, 40) * MIN, (s2) => {
      if (reject)
        rejectChangeRequest(s2.app, s2.as(who), cr.id, 'blast radius too large for this week; split the change');
      else
        approveChangeRequest(
          s2.app,
          s2.as(who),
          cr.id,
          cr.payload_hash,
          sim.rng.pick(['LGTM', 'reviewed diff, ok', 'approved for the window']),
        );
    });
    if (reject) return;
  }
}

/** A kill in production, later undone by a rollback of the kill or a fresh update. */
export function killFlow(sim: Sim, pools: Pools): void {
  const key = sim.rng.pick(pools.direct);
  const s = sim.state(key, 'production');
  if (s === null || !s.enabled) return;
  const who = sim.rng.pick(teamPeople(pools, key));
  const killed = killFlag(
    sim.app,
    sim.as(who),
    key,
    'production',
    sim.rng.pick(['error spike after deploy', 'customer reports of broken page', 'latency regression in p95']),
    undefined,
  );
  sim.followUp(sim.now + sim.rng.int(20, 240) * MIN, (s2) => {
    const now = s2.state(key, 'production');
    if (now === null || !sameState(now, killed.after)) return;
    applyEnvChange(s2.app, s2.as(who), {
      key,
      env: 'production',
      action: 'flag.rolled_back',
      reason: 'root cause fixed; restoring the pre-kill state',
      refs: { rollback_of: String(killed.idx) },
      next: () => killed.before,
    });
  });
}

/** The circuit breaker rolling a flag back on its own. */
export function autoRollbackFlow(sim: Sim, pools: Pools): void {
  const key = sim.rng.pick(pools.direct);
  const rec = sim.flag(key);
  if (rec === null || !currentState(rec, 'production').enabled) return;
  const rate = sim.rng.int(6, 19);
  applyEnvChange(
    sim.app,
    { actor: EVALUATOR, now: sim.now },
    {
      key,
      env: 'production',
      action: 'flag.auto_rolled_back',
      reason: `circuit_breaker: error rate ${rate}.0% over the last 100 requests exceeds 5.0%`,
      next: (b) => ({
        ...b,
        enabled: rec.definition.safe_default.enabled,
        rollout_pct: rec.definition.safe_default.rollout_pct,
      }),
    },
    rec,
  );
}

/** A past incident: triggered, acknowledged, resolved. */
export function incidentFlow(sim: Sim): void {
  const service = sim.rng.pick(SERVICES);
  const pd = sim.rng.chance(0.7);
  const id = pd
    ? `P${Math.floor(sim.rng.next() * 36 ** 6)
        .toString(36)
        .toUpperCase()
        .padStart(6, '0')}`
    : undefined;
  const ctx = pd ? sim.as('pagerduty', 'service') : sim.as(sim.rng.pick(APPROVERS));
  const inc = openIncident(
    sim.app,
    ctx,
    {
      ...(id === undefined ? {} : { id }),
      source: pd ? 'pagerduty' : 'manual',
      service,
      env: 'production',
      html_url: null,
      title: `${service}: ${sim.rng.pick(['elevated 5xx rate', 'p95 latency above SLO', 'queue backlog growing', 'error budget burn'])}`,
      severity: sim.rng.pick(['critical', 'error', 'warning'] as const),
      triggered_at: new Date(sim.now).toISOString(),
    },
    pd ? 'PagerDuty incident.triggered' : 'opened manually',
  );
  sim.at(sim.now + sim.rng.int(2, 9) * MIN, (s2) =>
    transitionIncident(s2.app, pd ? s2.as('pagerduty', 'service') : ctx, inc.id, 'acknowledged', 'on it'),
  );
  sim.at(sim.now + sim.rng.int(25, 120) * MIN, (s2) =>
    transitionIncident(s2.app, pd ? s2.as('pagerduty', 'service') : ctx, inc.id, 'resolved', 'mitigated'),
  );
}

/** A break-glass token issued and used on a gated flag. */
export function breakGlassFlow(sim: Sim, pools: Pools): void {
  const key = sim.rng.pick(pools.gated);
  const s = sim.state(key, 'production');
  if (s === null) return;
  const who = sim.rng.pick(teamPeople(pools, key));
  const issued = issueBreakGlass(sim.app, sim.as(who), {
    justification: 'checkout failing for EU customers, no second approver reachable at this hour',
    scope: { flags: [key], envs: ['production'] },
    ttl_seconds: 1800,
  });
  sim.followUp(sim.now + sim.rng.int(1, 6) * MIN, (s2) => {
    gatedEnvChange(
      s2.app,
      s2.as(who),
      'update',
      {
        key,
        env: 'production',
        action: 'flag.updated',
        reason: 'emergency: disable under break-glass',
        next: (b) => ({ ...b, enabled: !b.enabled }),
      },
      issued.token,
    );
  });
}

/** A metadata change: lifecycle stage or description. */
export function metadataFlow(sim: Sim, pools: Pools): void {
  const key = sim.rng.pick([...pools.direct, ...pools.gated]);
  const rec = sim.flag(key);
  if (rec === null) return;
  const s = rec.environments['production'];
  const stage =
    s?.enabled === true && s.rollout_pct === 100 ? 'FULL_ROLLOUT' : s?.enabled === true ? 'ROLLING_OUT' : 'ACTIVE';
  const who = sim.rng.pick(teamPeople(pools, key));
  if (stage !== rec.definition.stage)
    patchDefinition(sim.app, sim.as(who), 'responder', key, { stage, reason: `lifecycle: ${stage}` });
  else
    patchDefinition(sim.app, sim.as(who), 'responder', key, {
      description: `${rec.definition.description} (owner reviewed)`.slice(0, 500),
      reason: 'doc update',
    });
}
