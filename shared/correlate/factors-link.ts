/** Factors that tie a changed flag to the incident: the paging service, the environment, the flag's blast radius. */
import type { ChangeRecord } from './changes.ts';
import { dependentsOf, type DependentsIndex } from './flag-catalog.ts';
import type { Factor, FlagCatalog } from './types.ts';
import { ENVIRONMENT_WEIGHTS, SERVICE_WEIGHTS, TIER_WEIGHTS } from './weights.ts';

/** What the link factors need to know about the incident and the flags. */
export interface LinkContext {
  service: string | null;
  environment: string | null;
  catalog: FlagCatalog;
  dependents: DependentsIndex;
  /** Per-ranking memo of prerequisite paths and team matches (the same flags and owners recur in a window). */
  memo: Map<string, string | null>;
}

/** A fresh link context for one ranking. */
export function linkContext(
  service: string | null,
  environment: string | null,
  catalog: FlagCatalog,
  dependents: DependentsIndex,
): LinkContext {
  return { service, environment, catalog, dependents, memo: new Map() };
}

function memoized(ctx: LinkContext, key: string, compute: () => string | null): string | null {
  const hit = ctx.memo.get(key);
  if (hit !== undefined) return hit;
  const value = compute();
  ctx.memo.set(key, value);
  return value;
}

const NON_PRODUCTION_RE = /(^|[^a-z])(stag\w*|dev\w*|test\w*|qa|uat|sandbox|preview|local|demo)([^a-z]|$)/i;

function tokens(name: string): string[] {
  return name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
}

/** True when a team name plausibly names a service (`payments` ~ `payments-api`): whole tokens only, never substrings. */
export function teamMatchesService(team: string, service: string): boolean {
  const team1 = tokens(team).join('-');
  const svc = tokens(service);
  if (team1.length === 0) return false;
  for (let i = 0; i < svc.length; i++) {
    for (let j = i + 1; j <= svc.length; j++) if (svc.slice(i, j).join('-') === team1) return true;
  }
  return false;
}

function viaPrerequisite(ctx: LinkContext, r: ChangeRecord, service: string): string | null {
  return memoized(ctx, `p\u0000${r.env ?? ''}\u0000${r.flag}`, () => {
    for (const dep of dependentsOf(ctx.dependents, r.flag, r.env)) {
      if (ctx.catalog.get(dep)?.services?.includes(service) === true) return dep;
    }
    return null;
  });
}

function ownerMatches(ctx: LinkContext, owner: string, service: string): boolean {
  return memoized(ctx, `t\u0000${owner}`, () => (teamMatchesService(owner, service) ? owner : null)) !== null;
}

/** How the flag relates to the paging service: evaluated there, a prerequisite of a flag there, the team's, or unrelated. */
export function serviceFactor(ctx: LinkContext, r: ChangeRecord): Factor {
  const f = (multiplier: number, text: string): Factor => ({ factor: 'service', multiplier, text });
  const service = ctx.service;
  if (service === null) return f(1, 'incident names no service');
  const info = ctx.catalog.get(r.flag);
  if (info === undefined) return f(SERVICE_WEIGHTS.unknown, 'no flag metadata in the ledger');
  if (info.services?.includes(service) === true) return f(SERVICE_WEIGHTS.direct, `evaluated by ${service}`);
  const dep = viaPrerequisite(ctx, r, service);
  if (dep !== null) return f(SERVICE_WEIGHTS.prerequisite, `prerequisite of ${dep}, which ${service} evaluates`);
  if (info.owner !== null && ownerMatches(ctx, info.owner, service)) {
    return f(SERVICE_WEIGHTS.ownerTeam, `owned by team ${info.owner} (name matches ${service})`);
  }
  if (info.services === null || info.services.length === 0) return f(SERVICE_WEIGHTS.unknown, 'no services registered');
  return f(
    SERVICE_WEIGHTS.unrelated,
    `evaluated by ${info.services.slice(0, 3).join(', ')}${info.services.length > 3 ? '…' : ''}, not ${service}`,
  );
}

/** Whether the change happened where the incident is. */
export function environmentFactor(ctx: LinkContext, r: ChangeRecord): Factor {
  const f = (multiplier: number, text: string): Factor => ({ factor: 'environment', multiplier, text });
  if (r.env === null) return f(1, 'no environment on the entry');
  if (ctx.environment !== null) {
    return r.env === ctx.environment
      ? f(1, `same environment (${r.env})`)
      : f(ENVIRONMENT_WEIGHTS.mismatch, `changed in ${r.env}; incident in ${ctx.environment}`);
  }
  return NON_PRODUCTION_RE.test(r.env)
    ? f(ENVIRONMENT_WEIGHTS.nonProduction, `changed in ${r.env} (non-production)`)
    : f(1, `changed in ${r.env}`);
}

/** The flag's declared blast-radius tier. */
export function tierFactor(ctx: LinkContext, r: ChangeRecord): Factor {
  const tier = ctx.catalog.get(r.flag)?.tier ?? null;
  if (tier === null) return { factor: 'tier', multiplier: 1, text: 'tier unknown' };
  return { factor: 'tier', multiplier: TIER_WEIGHTS[tier], text: `${tier} blast radius` };
}
