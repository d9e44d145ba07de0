/**
 * Actions through Unleash's admin API, with the same round trip as on a control plane: the request is sent, Unleash
 * records it as an event (its id is the locator), the mirror seals that event into the replica (applied, with its
 * index) and the seal's checkpoint covers it (verified).
 *
 * - Kill: `POST /api/admin/projects/{project}/features/{flag}/environments/{env}/off`.
 * - Rollback of a mirrored environment change: the environment is put back to the entry's `before` configuration —
 *   strategies removed, updated or added back, environment variants, then the toggle. Only changes whose previous
 *   configuration the mirror knows exactly can be rolled back this way; anything else is refused with the reason.
 * - Change requests and break-glass tokens do not exist in Unleash's open-source edition: refused, never pretended.
 */
import type { JsonValue } from '../../../shared/ledger/leaf.ts';
import type { ActionResult, EntryLocator } from '../../actions/client.ts';
import { AppError } from '../../ipc/app-error.ts';
import type { SourceActions } from '../source.ts';
import type { UnleashClient } from './client.ts';
import { isRec, parseStrategy, parseVariants, type UnleashStrategy, type UnleashVariant } from './model.ts';
import { envStateOf } from './env-state.ts';
import type { SealedReplica } from './sealed-replica.ts';

/** What the actions need: the admin client and the open mirror (null while it is not open). */
export interface UnleashActionDeps {
  client: UnleashClient;
  sealed: () => SealedReplica | null;
  /** Called once a write went through (the mirror then polls at once). */
  afterWrite?: () => void;
}

function mirror(deps: UnleashActionDeps): SealedReplica {
  const s = deps.sealed();
  if (s === null)
    throw new AppError(
      'E_REPLICA_EMPTY',
      'The Unleash mirror is not open yet, so the console cannot tell which project the flag is in. Wait for the ' +
        'first sync; nothing was sent.',
    );
  return s;
}

function projectOf(deps: UnleashActionDeps, flag: string): string {
  const state = mirror(deps).position().state;
  const project = state?.flags[flag]?.project;
  if (project === undefined || project === '')
    throw new AppError(
      'E_UNLEASH_FLAG_UNKNOWN',
      `The mirror has no Unleash flag "${flag}" (or does not know its project). Check the name; nothing was sent.`,
    );
  return project;
}

function featurePath(project: string, flag: string): string {
  return `/api/admin/projects/${encodeURIComponent(project)}/features/${encodeURIComponent(flag)}`;
}

async function newestEventId(client: UnleashClient): Promise<number> {
  return (await client.searchEvents(0, 1)).events[0]?.id ?? 0;
}

/**
 * The newest event of `flag` after `afterId` (what the request produced), as the entry's locator: its replica index
 * when the mirror already sealed it, else the event id the mirror's leaf will carry in `refs.unleash_event`.
 */
async function locatorAfter(
  deps: UnleashActionDeps,
  flag: string,
  afterId: number,
  what: string,
): Promise<EntryLocator> {
  const client = deps.client;
  const page = await client.searchFiltered({ feature: `IS:${flag}` }, 50);
  const ids = page.events.map((e) => e.id).filter((id) => id > afterId);
  if (ids.length === 0)
    throw new AppError(
      'E_UNLEASH_NO_EVENT',
      `Unleash accepted the ${what} of "${flag}" but recorded no event for it, so its arrival in the mirror cannot be ` +
        'confirmed. Check the flag in Unleash.',
    );
  const id = Math.max(...ids);
  const idx = deps.sealed()?.idxOfEvent(id) ?? null;
  if (idx !== null) return { kind: 'idx', idx };
  return { kind: 'match', action: 'flag.updated', refKey: 'unleash_event', refValue: String(id) };
}

async function kill(
  deps: UnleashActionDeps,
  args: { flag: string; env: string; reason: string },
): Promise<ActionResult> {
  const project = projectOf(deps, args.flag);
  const feature = await deps.client.feature(project, args.flag);
  const env = feature.environments.find((e) => e.name === args.env);
  if (env === undefined)
    throw new AppError(
      'E_UNLEASH_ENV_UNKNOWN',
      `Unleash flag "${args.flag}" has no environment "${args.env}" in project ${project}. Nothing was sent.`,
    );
  if (!env.enabled)
    throw new AppError(
      'E_ALREADY_OFF',
      `"${args.flag}" is already off in ${args.env} in Unleash (its safe state); nothing was sent.`,
    );
  const before = await newestEventId(deps.client);
  const reply = await deps.client.write('POST', `${featurePath(project, args.flag)}/environments/${args.env}/off`);
  const locator = await locatorAfter(deps, args.flag, before, 'kill');
  deps.afterWrite?.();
  return { locator, reply: { unleash: reply ?? null, project, environment: args.env } };
}

function notExpressible(idx: number, why: string): AppError {
  return new AppError(
    'E_ROLLBACK_NOT_EXPRESSIBLE',
    `Entry ${idx} cannot be rolled back through Unleash's API: ${why}. Nothing was sent; restore it in Unleash by hand.`,
  );
}

interface Target {
  flag: string;
  env: string;
  /** The entry's `after`, as the ranking reads it: the state the rollback expects to find (compare-and-swap). */
  expected: JsonValue;
  enabled: boolean;
  strategies: UnleashStrategy[];
  variants: UnleashVariant[];
}

/** The configuration entry `idx` changed from, when the mirror knows it exactly. */
function rollbackTarget(sealed: SealedReplica, idx: number): Target {
  const entry = sealed.replica.entry(idx);
  if (entry === null) throw notExpressible(idx, 'the replica has no such entry');
  if (!entry.verified) throw notExpressible(idx, 'the entry is not sealed yet');
  const leaf = JSON.parse(entry.text) as {
    action: string;
    flag: string | null;
    env: string | null;
    before: JsonValue;
    after: JsonValue;
    refs: Record<string, string>;
  };
  if (leaf.refs['unleash_event'] === undefined) throw notExpressible(idx, 'it is not a mirrored Unleash event');
  if (leaf.action !== 'flag.updated' || leaf.flag === null)
    throw notExpressible(idx, `it is a ${leaf.refs['unleash_type'] ?? leaf.action} event, not a flag change`);
  if (leaf.env === null)
    throw notExpressible(
      idx,
      `it changed the flag's definition (${leaf.refs['unleash_type'] ?? 'metadata'}), which has no single undo in Unleash`,
    );
  const before = leaf.before;
  if (!isRec(before) || before['state'] === 'unknown')
    throw notExpressible(idx, 'the mirror never saw the configuration before it (it started after the flag was made)');
  const detail = before['unleash'];
  if (!isRec(detail) || !Array.isArray(detail['strategies']))
    throw notExpressible(idx, 'the previous configuration was too large to keep in the leaf');
  const strategies = detail['strategies'].map(parseStrategy);
  if (strategies.some((s) => s === null)) throw notExpressible(idx, 'a previous strategy cannot be read back');
  return {
    flag: leaf.flag,
    env: leaf.env,
    expected: core(leaf.after),
    enabled: before['enabled'] === true,
    strategies: strategies as UnleashStrategy[],
    variants: parseVariants(detail['variants']),
  };
}

function strategyBody(s: UnleashStrategy): Record<string, unknown> {
  return {
    name: s.name,
    ...(s.title === null ? {} : { title: s.title }),
    disabled: s.disabled,
    sortOrder: s.sortOrder,
    parameters: s.parameters,
    constraints: s.constraints.map((c) => ({
      contextName: c.contextName,
      operator: c.operator,
      values: c.values,
      ...(c.value === null ? {} : { value: c.value }),
      inverted: c.inverted,
      caseInsensitive: c.caseInsensitive,
    })),
    segments: s.segments,
    variants: s.variants.map((v) => ({
      name: v.name,
      weight: v.weight,
      weightType: 'variable',
      stickiness: v.stickiness ?? 'default',
      ...(v.payload === null ? {} : { payload: v.payload }),
    })),
  };
}

/** An EnvState without its Unleash detail (ids and order of equal strategies may differ between reads). */
function core(v: JsonValue): JsonValue {
  if (!isRec(v)) return v;
  const { enabled, rollout_pct, variation, rules } = v;
  return {
    enabled: enabled ?? null,
    rollout_pct: rollout_pct ?? null,
    variation: variation ?? null,
    rules: rules ?? null,
  };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function rollback(deps: UnleashActionDeps, args: { idx: number; reason: string }): Promise<ActionResult> {
  const sealed = mirror(deps);
  const target = rollbackTarget(sealed, args.idx);
  const project = projectOf(deps, target.flag);
  const base = `${featurePath(project, target.flag)}/environments/${target.env}`;
  const feature = await deps.client.feature(project, target.flag);
  const now = feature.environments.find((e) => e.name === target.env);
  if (now === undefined) throw notExpressible(args.idx, `the flag has no environment ${target.env} in Unleash now`);
  const current = core(envStateOf({ enabled: now.enabled, strategies: now.strategies, variants: now.variants }));
  if (!same(current, target.expected))
    throw new AppError(
      'E_ROLLBACK_CONFLICT',
      `"${target.flag}" in ${target.env} changed after entry ${args.idx}, so rolling it back would also undo the later ` +
        'changes. Nothing was sent; roll back the latest change first, or make the change you want in Unleash.',
      { current, expected: target.expected },
    );
  const before = await newestEventId(deps.client);
  const wanted = new Map(target.strategies.map((s) => [s.id, s]));
  // Turn off first when the target is off, so no intermediate configuration is ever served.
  if (!target.enabled && now.enabled) await deps.client.write('POST', `${base}/off`);
  for (const s of now.strategies) {
    if (!wanted.has(s.id)) await deps.client.write('DELETE', `${base}/strategies/${encodeURIComponent(s.id)}`);
  }
  const byId = new Map(now.strategies.map((s) => [s.id, s]));
  for (const s of target.strategies) {
    const has = byId.get(s.id);
    if (has === undefined) await deps.client.write('POST', `${base}/strategies`, strategyBody(s));
    else if (!same(strategyBody(has), strategyBody(s)))
      await deps.client.write('PUT', `${base}/strategies/${encodeURIComponent(s.id)}`, strategyBody(s));
  }
  if (!same(now.variants, target.variants) && (now.variants.length > 0 || target.variants.length > 0))
    await deps.client.write(
      'PUT',
      `${base}/variants`,
      target.variants.map((v) => ({ ...v, weightType: 'variable', stickiness: v.stickiness ?? 'default' })),
    );
  if (target.enabled && !now.enabled) await deps.client.write('POST', `${base}/on`);
  const latest = await newestEventId(deps.client);
  if (latest === before)
    throw new AppError(
      'E_NOTHING_TO_ROLL_BACK',
      `"${target.flag}" in ${target.env} is already configured as before entry ${args.idx}; nothing was changed.`,
    );
  const locator = await locatorAfter(deps, target.flag, before, 'rollback');
  deps.afterWrite?.();
  return { locator, reply: { project, environment: target.env, restored: args.idx } };
}

function noChangeRequests(): never {
  throw new AppError(
    'E_UNLEASH_NO_CHANGE_REQUESTS',
    "Unleash's open-source edition has no change requests, so four-eyes approval cannot be asked for or enforced " +
      'through it. Nothing was sent; changes made in Unleash apply at once.',
  );
}

/** The actions of an Unleash source. */
export function unleashActions(deps: UnleashActionDeps): SourceActions {
  return {
    kill: (_key, args) => kill(deps, args),
    rollback: (_key, args) => rollback(deps, args),
    createChangeRequest: async () => noChangeRequests(),
    approveChangeRequest: async () => noChangeRequests(),
    rejectChangeRequest: async () => noChangeRequests(),
    issueBreakGlass: async () => {
      throw new AppError(
        'E_UNLEASH_NO_BREAK_GLASS',
        'Unleash has no four-eyes gate to bypass, so there is no break-glass token to issue: a kill goes through ' +
          'directly. Nothing was sent.',
      );
    },
    transitionIncident: async () => {
      throw new AppError(
        'E_UNLEASH_NO_INCIDENTS',
        'Unleash keeps no incidents, so there is nothing to acknowledge or resolve there. Acknowledge it in your ' +
          'paging tool; nothing was sent.',
      );
    },
  };
}
