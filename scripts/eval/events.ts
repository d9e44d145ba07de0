/**
 * Event constructors of the generator: flag creation, direct updates, change-request and scheduler paths, the
 * circuit breaker's rollback, a responder's kill, and the incident itself. Each returns scheduled events.
 */
import type { JsonValue } from '../../shared/ledger/leaf.ts';
import type { LedgerBuilder, ScheduledEvent } from './ledger-builder.ts';
import { applicable, mutate, pickKind, type ChangeKind } from './mutations.ts';
import type { Rng } from './rng.ts';
import type { LeafActor } from '../../shared/ledger/leaf.ts';
import type { EnvState, WorldFlag } from './world.ts';

const PEOPLE = ['alice', 'bob', 'carol', 'dan', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
const SAFE_DEFAULT = { enabled: false, rollout_pct: 0 };

/** A human actor. */
export function person(rng: Rng): LeafActor {
  return { type: 'user', id: rng.pick(PEOPLE) };
}

function json(s: EnvState): JsonValue {
  return {
    enabled: s.enabled,
    rollout_pct: s.rollout_pct,
    variation: s.variation,
    rules: s.rules,
    prerequisites: s.prerequisites,
  };
}

function definition(f: WorldFlag): { [key: string]: JsonValue } {
  return {
    key: f.key,
    type: f.type,
    owner: f.team,
    services: f.registered,
    tier: f.tier,
    safe_default: SAFE_DEFAULT,
    description: `${f.key} (generated)`,
    stage: 'ROLLING_OUT',
    expires_at: null,
  };
}

/** `flag.created` with the flag's metadata and initial environment states. */
export function createFlag(f: WorldFlag, ms: number, rng: Rng): ScheduledEvent {
  const environments = Object.fromEntries(Object.entries(f.state).map(([env, s]) => [env, json(s)]));
  return {
    ms,
    run: (b) =>
      void b.push({
        actor: person(rng),
        action: 'flag.created',
        flag: f.key,
        env: null,
        before: null,
        after: { ...definition(f), environments },
        reason: 'new flag',
        refs: {},
      }),
  };
}

/** How a change reaches the ledger: directly, through an approved change request, or by the scheduler. */
export type ChangePath = 'direct' | 'change_request' | 'scheduled';

/** Options of one state change. */
export interface ChangeSpec {
  flag: WorldFlag;
  env: string;
  ms: number;
  kinds: Readonly<Partial<Record<ChangeKind, number>>> | ChangeKind;
  path: ChangePath;
  actor: LeafActor;
  /** Called with the idx of the entry that made the change (the ground truth for the causal one). */
  onIdx?: (idx: number) => void;
  /** Draw the size as for a change that caused an incident (see mutations.ts). */
  hazard?: boolean;
  /** Which generator process made the change (kept in the entry's reason, for diagnosis). */
  source: string;
}

let nextId = 1;

/** Restarts change-request and schedule ids, so a scenario's ledger does not depend on the ones before it. */
export function resetIds(): void {
  nextId = 1;
}

function chooseKind(rng: Rng, spec: ChangeSpec, s: EnvState): ChangeKind | null {
  if (typeof spec.kinds === 'string')
    return applicable(spec.kinds, s)
      ? spec.kinds
      : pickKind(rng, { first_exposure: 1, canary: 0, ramp: 1, decrease: 1, variation: 1, targeting: 1 }, s);
  const weights = { first_exposure: 0, canary: 0, ramp: 0, decrease: 0, variation: 0, targeting: 0, ...spec.kinds };
  return (
    pickKind(rng, weights, s) ??
    pickKind(rng, { first_exposure: 0, canary: 0, ramp: 0, decrease: 0, variation: 0, targeting: 1 }, s)
  );
}

function emitChange(b: LedgerBuilder, rng: Rng, spec: ChangeSpec, ids: { cr: string; schedule: string }): void {
  const s = spec.flag.state[spec.env]!;
  const kind = chooseKind(rng, spec, s);
  if (kind === null) return;
  const after = mutate(kind, s, rng, spec.hazard === true);
  spec.flag.state[spec.env] = after;
  const approved = spec.path === 'change_request' || (spec.path === 'scheduled' && ids.cr !== '');
  const refs: Record<string, string> = approved ? { change_request: ids.cr } : {};
  const action =
    spec.path === 'scheduled'
      ? 'schedule.executed'
      : spec.path === 'change_request'
        ? 'change_request.applied'
        : 'flag.updated';
  if (spec.path === 'scheduled') refs['schedule'] = ids.schedule;
  const actor = spec.path === 'scheduled' ? { type: 'system' as const, id: 'system:scheduler' } : spec.actor;
  const idx = b.push({
    actor,
    action,
    flag: spec.flag.key,
    env: spec.env,
    before: json(s),
    after: json(after),
    reason: `${spec.source}: ${kind}`,
    refs,
  });
  spec.onIdx?.(idx);
}

/** One state change with the entries its path implies (change request created and approved before it is applied). */
export function change(rng: Rng, spec: ChangeSpec, needsApproval: boolean): ScheduledEvent[] {
  const ids = {
    cr: needsApproval || spec.path === 'change_request' ? `cr_${nextId++}` : '',
    schedule: `sch_${nextId++}`,
  };
  const events: ScheduledEvent[] = [{ ms: spec.ms, run: (b) => emitChange(b, rng, spec, ids) }];
  if (ids.cr !== '') {
    const created = spec.ms - rng.real(20, 180) * 60_000;
    const approvedAt = spec.ms - rng.real(1, 15) * 60_000;
    events.push(
      {
        ms: created,
        run: (b) =>
          void b.push({
            actor: person(rng),
            action: 'change_request.created',
            flag: spec.flag.key,
            env: spec.env,
            before: null,
            after: { requested: true },
            reason: 'planned change',
            refs: { change_request: ids.cr, payload_hash: 'a'.repeat(64) },
          }),
      },
      {
        ms: approvedAt,
        run: (b) =>
          void b.push({
            actor: person(rng),
            action: 'change_request.approved',
            flag: spec.flag.key,
            env: spec.env,
            before: null,
            after: { approvals: 1, required: 1 },
            reason: 'looks good',
            refs: { change_request: ids.cr, payload_hash: 'a'.repeat(64) },
          }),
      },
    );
  }
  if (spec.path === 'scheduled') {
    events.push({
      ms: spec.ms - rng.real(60, 600) * 60_000,
      run: (b) =>
        void b.push({
          actor: person(rng),
          action: 'schedule.created',
          flag: spec.flag.key,
          env: spec.env,
          before: null,
          after: null,
          reason: 'cron',
          refs: { schedule: ids.schedule },
        }),
    });
  }
  return events;
}

/** The circuit breaker rolls a flag back to its safe default (a response, recorded by system:evaluator). */
export function autoRollback(f: WorldFlag, env: string, ms: number): ScheduledEvent {
  return {
    ms,
    run: (b) => {
      const s = f.state[env]!;
      const after = { ...s, enabled: false };
      f.state[env] = after;
      b.push({
        actor: { type: 'system', id: 'system:evaluator' },
        action: 'flag.auto_rolled_back',
        flag: f.key,
        env,
        before: json(s),
        after: json(after),
        reason: 'circuit_breaker: error rate above 5% over 100 requests',
        refs: {},
      });
    },
  };
}

/** A responder kills a flag (flip to the safe default) after being paged. */
export function kill(f: WorldFlag, env: string, ms: number, rng: Rng): ScheduledEvent {
  return {
    ms,
    run: (b) => {
      const s = f.state[env]!;
      if (!s.enabled) return;
      const after = { ...s, enabled: false };
      f.state[env] = after;
      b.push({
        actor: person(rng),
        action: 'flag.killed',
        flag: f.key,
        env,
        before: json(s),
        after: json(after),
        reason: 'paged, killing suspect',
        refs: {},
      });
    },
  };
}

/** The PagerDuty incident as the control plane records it (triggered_at on the monitoring clock). */
export function incident(
  id: string,
  service: string,
  env: string | null,
  ms: number,
  triggeredAtMs: number,
): ScheduledEvent {
  return {
    ms,
    run: (b) =>
      void b.push({
        actor: { type: 'service', id: 'pagerduty' },
        action: 'incident.triggered',
        flag: null,
        env,
        before: null,
        after: {
          id,
          service,
          title: `${service} error rate high`,
          severity: 'critical',
          source: 'pagerduty',
          triggered_at: new Date(triggeredAtMs).toISOString(),
        },
        reason: 'alert',
        refs: { incident: id },
      }),
  };
}
