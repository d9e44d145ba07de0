/**
 * Writing a flag's definition and tombstoning it, for every path that does so: a direct metadata edit, a break-glass
 * edit or archive (`break_glass.used` standing in for `flag.updated` / `flag.tombstoned`, env null), and an approved
 * or scheduled `definition` / `archive` change request (`change_request.applied` / `schedule.executed`, env null).
 * The entry's before/after are the whole definition; after is null when the flag was tombstoned.
 */
import { DomainError } from './errors.ts';
import type { App, ActionContext } from './app.ts';
import { rejectOpenRequests } from './cr-reject.ts';
import { definitionJson, type FlagRecord } from './flag-def.ts';
import { type FlagDefinition } from '../../shared/protocol/index.ts';
import { tombstoneFlag, updateDefinition } from './flag-repo.ts';
import { dependentsOf } from './prerequisites.ts';
import { requireVariants } from './variants.ts';

/** How an entry was authorised: the action it is written as and the refs that say why. */
export interface Authorisation {
  action: string;
  refs: Record<string, string>;
}

/** Writes the new definition and its entry (env null); returns the entry's index. */
export function recordDefinition(
  app: App,
  ctx: ActionContext,
  rec: FlagRecord,
  after: FlagDefinition,
  reason: string,
  auth: Authorisation,
): number {
  // Whatever path writes it (direct, break-glass, an approved or scheduled request), the variants must cover every
  // variation the states serve now.
  for (const [env, state] of Object.entries(rec.environments)) requireVariants(after, env, state);
  updateDefinition(app.db, after, ctx.now);
  return app.ledger.append({
    ts: ctx.now,
    actor: ctx.actor,
    action: auth.action,
    flag: after.key,
    env: null,
    before: definitionJson(rec.definition),
    after: definitionJson(after),
    reason,
    refs: auth.refs,
  }).idx;
}

/** Throws 409 FLAG_IN_USE when other flags list `key` as a prerequisite (it cannot be archived then). */
export function requireNoDependents(app: App, key: string): void {
  const dependents = dependentsOf(app.db, key);
  if (dependents.length > 0) {
    throw new DomainError('FLAG_IN_USE', `${key} is a prerequisite of ${dependents.join(', ')}; remove those first`, {
      dependents,
    });
  }
}

/**
 * Tombstones a flag for ever: refuses while others depend on it, rejects its other open change requests (all but
 * `except`, the request being applied), then asks `authorise` how to write the entry — a break-glass token is consumed
 * there, right before its entry — appends it (definition → null) and moves the key to the tombstones table.
 */
export function recordTombstone(
  app: App,
  ctx: ActionContext,
  rec: FlagRecord,
  reason: string,
  authorise: () => Authorisation,
  except?: string,
): number {
  const key = rec.definition.key;
  requireNoDependents(app, key);
  rejectOpenRequests(app, ctx, key, `flag ${key} was archived`, except);
  const auth = authorise();
  const entry = app.ledger.append({
    ts: ctx.now,
    actor: ctx.actor,
    action: auth.action,
    flag: key,
    env: null,
    before: definitionJson(rec.definition),
    after: null,
    reason,
    refs: auth.refs,
  });
  tombstoneFlag(app.db, { ...rec.definition, stage: 'TOMBSTONED' }, ctx.actor.id, entry.idx, entry.hash, ctx.now);
  return entry.idx;
}
