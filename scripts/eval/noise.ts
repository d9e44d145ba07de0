/**
 * The activity around an incident: routine changes on the paging service's flags, other teams' background work (which
 * also reaches the prerequisites of the service's flags), deploy
 * bursts, cron toggles, pre-approved changes, a breaker trip elsewhere, a responder's kill. The cause is picked among
 * these changes afterwards (scenario.ts), so every change here could be it.
 */
import type { ScheduledEvent } from './ledger-builder.ts';
import { autoRollback, change, kill, person, type ChangePath } from './events.ts';
import type { Mix } from './mixes.ts';
import { DEPLOY_KINDS, NOISE_KINDS, type ChangeKind } from './mutations.ts';
import type { Rng } from './rng.ts';
import type { World, WorldFlag } from './world.ts';

/** Where the activity goes: the world, the paging service, its flags (really evaluated there, or their prerequisites). */
export interface NoiseFrame {
  world: World;
  service: string;
  linked: readonly WorldFlag[];
  alertMs: number;
}

/** HIGH and BLOCKED flags need four-eyes approval (the control plane enforces it), so they go through change requests. */
export function needsApproval(f: WorldFlag): boolean {
  return f.tier === 'HIGH' || f.tier === 'BLOCKED';
}

/** The path a change takes given its flag's tier and whether it is scheduled. */
export function pathFor(f: WorldFlag, scheduled: boolean): ChangePath {
  return scheduled ? 'scheduled' : needsApproval(f) ? 'change_request' : 'direct';
}

function others(fr: NoiseFrame): readonly WorldFlag[] {
  return fr.world.flags;
}

/** Flags the paging service itself evaluates: its team's routine work and responders' kills land here. */
function onService(fr: NoiseFrame): readonly WorldFlag[] {
  return fr.world.flags.filter((f) => f.evaluatedBy.includes(fr.service));
}

function noiseChange(
  rng: Rng,
  source: string,
  f: WorldFlag,
  env: string,
  ms: number,
  kinds: Readonly<Partial<Record<ChangeKind, number>>>,
  scheduled = false,
): ScheduledEvent[] {
  return change(
    rng,
    { flag: f, env, ms, kinds, path: pathFor(f, scheduled), actor: person(rng), source },
    needsApproval(f),
  );
}

/** Flags other teams change at the organisation's background rate (prerequisites of the service's flags included). */
function unrelated(fr: NoiseFrame): WorldFlag[] {
  return fr.world.flags.filter((f) => !f.evaluatedBy.includes(fr.service) && !f.registered.includes(fr.service));
}

/** Flags with no tie to the paging service at all. */
function farAway(fr: NoiseFrame): WorldFlag[] {
  return unrelated(fr).filter((f) => !fr.linked.includes(f));
}

function background(rng: Rng, mix: Mix, fr: NoiseFrame): ScheduledEvent[] {
  const pool = unrelated(fr);
  if (pool.length === 0) return [];
  return Array.from({ length: rng.poisson(mix.unrelatedPerMinute * 85) }, () => {
    const env = rng.chance(mix.stagingShare) ? 'staging' : 'production';
    return noiseChange(rng, 'background', rng.pick(pool), env, fr.alertMs + rng.real(-75, 10) * 60_000, NOISE_KINDS);
  }).flat();
}

function burst(rng: Rng, mix: Mix, fr: NoiseFrame): ScheduledEvent[] {
  if (!rng.chance(mix.burst)) return [];
  const start = fr.alertMs + rng.real(-15, 2) * 60_000;
  const flags = Array.from({ length: rng.int(4, 10) }, () => rng.pick(others(fr)));
  const local = onService(fr);
  if (rng.chance(mix.burstOnService) && local.length > 0) flags[0] = rng.pick(local);
  const bot = { type: 'service' as const, id: 'deploy-bot' };
  return flags.flatMap((f) =>
    change(
      rng,
      {
        flag: f,
        env: 'production',
        ms: start + rng.real(0, 90_000),
        kinds: DEPLOY_KINDS,
        path: pathFor(f, false),
        actor: bot,
        source: 'deploy burst',
      },
      needsApproval(f),
    ),
  );
}

function cron(rng: Rng, mix: Mix, fr: NoiseFrame): ScheduledEvent[] {
  if (!rng.chance(mix.cron)) return [];
  const minute = Math.floor((fr.alertMs - (rng.chance(0.5) ? 0 : rng.real(1, 20) * 60_000)) / 60_000) * 60_000;
  const flags = Array.from({ length: rng.int(1, 3) }, () => rng.pick(others(fr)));
  const local = onService(fr);
  if (rng.chance(mix.cronOnService) && local.length > 0) flags[0] = rng.pick(local);
  return flags.flatMap((f) =>
    noiseChange(rng, 'cron', f, 'production', minute + rng.real(0, 2_000), { first_exposure: 1, decrease: 1 }, true),
  );
}

function local(rng: Rng, mix: Mix, fr: NoiseFrame): ScheduledEvent[] {
  const count = rng.int(mix.localChanges[0], mix.localChanges[1]);
  const own = onService(fr);
  if (own.length === 0) return [];
  return Array.from({ length: count }, () =>
    noiseChange(
      rng,
      'service change',
      rng.pick(own),
      'production',
      fr.alertMs - rng.real(0.1, 30) * 60_000,
      NOISE_KINDS,
      rng.chance(mix.localScheduled),
    ),
  ).flat();
}

function approved(rng: Rng, mix: Mix, fr: NoiseFrame): ScheduledEvent[] {
  if (!rng.chance(mix.extraApproved)) return [];
  const local = onService(fr);
  return Array.from({ length: rng.int(1, 3) }, (_, i) => {
    const f = i === 0 && local.length > 0 && rng.chance(mix.approvedOnService) ? rng.pick(local) : rng.pick(others(fr));
    return change(
      rng,
      {
        flag: f,
        env: 'production',
        ms: fr.alertMs - rng.real(0, 15) * 60_000,
        kinds: NOISE_KINDS,
        path: 'change_request',
        actor: person(rng),
        source: 'pre-approved',
      },
      true,
    );
  }).flat();
}

function unrelatedTrip(rng: Rng, mix: Mix, fr: NoiseFrame): ScheduledEvent[] {
  const candidates = farAway(fr);
  if (!rng.chance(mix.noiseAutoRollback) || candidates.length === 0) return [];
  const f = rng.pick(candidates);
  const at = fr.alertMs - rng.real(5, 25) * 60_000;
  return [
    ...noiseChange(rng, 'breaker trip', f, 'production', at, { first_exposure: 1, ramp: 1 }),
    autoRollback(f, 'production', at + rng.real(1, 4) * 60_000),
  ];
}

function responder(rng: Rng, mix: Mix, fr: NoiseFrame): ScheduledEvent[] {
  const own = onService(fr);
  if (!rng.chance(mix.responderKill) || own.length === 0) return [];
  return [kill(rng.pick(own), 'production', fr.alertMs + rng.real(20, 110) * 1000, rng)];
}

/** All noise events of a scenario. */
export function noiseEvents(rng: Rng, mix: Mix, fr: NoiseFrame): ScheduledEvent[] {
  return [
    ...background(rng, mix, fr),
    ...burst(rng, mix, fr),
    ...cron(rng, mix, fr),
    ...local(rng, mix, fr),
    ...approved(rng, mix, fr),
    ...unrelatedTrip(rng, mix, fr),
    ...responder(rng, mix, fr),
  ];
}
