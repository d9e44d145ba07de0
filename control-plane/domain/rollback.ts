/**
 * Kill switch and pre-signed rollback links. A link names one ledger entry, expires after 15 minutes and is an HMAC
 * over (origin, idx, expiry, leaf hash); applying it restores the entry's `before` only if the flag's current state
 * still equals the entry's `after` (compare-and-swap), else 409 ROLLBACK_CONFLICT with the current state.
 */
import { type JsonValue, toHex } from '../../shared/ledger/index.ts';
import { hmacHex, safeEqual } from '../crypto/node-crypto.ts';
import { stmt } from '../db/stmt.ts';
import { DomainError } from './errors.ts';
import type { App, ActionContext } from './app.ts';
import { currentState, type EnvChangeResult, gatedEnvChange } from './env-change.ts';
import { requireFlag } from './lookups.ts';
import { pathTo, type EnvState } from '../../shared/protocol/index.ts';
import { sameState } from './env-state.ts';

/** Actions whose entry carries before/after EnvState of one environment, so they can be undone. */
export const ROLLBACKABLE = new Set([
  'flag.updated',
  'flag.killed',
  'flag.rolled_back',
  'flag.auto_rolled_back',
  'break_glass.used',
  'change_request.applied',
  'schedule.executed',
]);

/** Rollback link lifetime. */
export const ROLLBACK_LINK_TTL_MS = 15 * 60 * 1000;

interface EntryFacts {
  idx: number;
  flag: string;
  env: string;
  before: EnvState;
  after: EnvState;
  hashHex: string;
}

/** Sets the flag to its safe default in one environment (`flag.killed`); BLOCKED flags need a break-glass token. */
export function killFlag(
  app: App,
  ctx: ActionContext,
  key: string,
  env: string,
  reason: string,
  breakGlass: string | undefined,
): EnvChangeResult {
  return gatedEnvChange(
    app,
    ctx,
    'kill',
    {
      key,
      env,
      action: 'flag.killed',
      reason,
      next: (before, rec) => ({
        ...before,
        enabled: rec.definition.safe_default.enabled,
        rollout_pct: rec.definition.safe_default.rollout_pct,
      }),
    },
    breakGlass,
  );
}

function entryFacts(app: App, idx: number): EntryFacts {
  const row = stmt(app.db, 'SELECT leaf, leaf_hash FROM ledger WHERE idx = ?').get(idx) as
    { leaf: string; leaf_hash: Uint8Array } | undefined;
  if (row === undefined) throw new DomainError('ENTRY_NOT_FOUND', `no ledger entry ${idx}`);
  const leaf = JSON.parse(row.leaf) as {
    action: string;
    flag: string | null;
    env: string | null;
    before: JsonValue;
    after: JsonValue;
  };
  if (
    !ROLLBACKABLE.has(leaf.action) ||
    leaf.flag === null ||
    leaf.env === null ||
    leaf.before === null ||
    leaf.after === null
  ) {
    throw new DomainError(
      'NOT_ROLLBACKABLE',
      `entry ${idx} (${leaf.action}) is not a per-environment flag change and cannot be rolled back`,
    );
  }
  return {
    idx,
    flag: leaf.flag,
    env: leaf.env,
    before: leaf.before as unknown as EnvState,
    after: leaf.after as unknown as EnvState,
    hashHex: toHex(row.leaf_hash),
  };
}

function signature(app: App, facts: EntryFacts, expires: number): string {
  return hmacHex(app.secret, `rollback-link/v1\n${app.ledger.origin}\n${facts.idx}\n${expires}\n${facts.hashHex}`);
}

/** Creates a signed rollback link for entry idx. */
export function createRollbackLink(app: App, idx: number, now: number): Record<string, unknown> {
  const facts = entryFacts(app, idx);
  const expires = now + ROLLBACK_LINK_TTL_MS;
  const url = `${app.baseUrl}${pathTo('rollback', { idx })}?expires=${expires}&sig=${signature(app, facts, expires)}`;
  return {
    url,
    method: 'POST',
    idx,
    flag_key: facts.flag,
    environment: facts.env,
    expires_at: new Date(expires).toISOString(),
    expected_current: facts.after,
    restores: facts.before,
  };
}

/** Applies a rollback link: signature, expiry, then compare-and-swap; records `flag.rolled_back`. */
export function applyRollbackLink(
  app: App,
  ctx: ActionContext,
  idx: number,
  query: URLSearchParams,
  reason: string,
  breakGlass: string | undefined,
): EnvChangeResult {
  const expiresText = query.get('expires') ?? '';
  const sig = query.get('sig') ?? '';
  const facts = entryFacts(app, idx);
  const expires = /^[0-9]{1,16}$/.test(expiresText) ? Number(expiresText) : -1;
  if (expires < 0 || !/^[0-9a-f]{64}$/.test(sig) || !safeEqual(sig, signature(app, facts, expires))) {
    throw new DomainError('ROLLBACK_LINK_INVALID', 'the rollback link signature does not match; request a new link');
  }
  if (ctx.now > expires)
    throw new DomainError(
      'ROLLBACK_LINK_EXPIRED',
      'the rollback link expired (links live 15 minutes); request a new one',
    );
  const current = currentState(requireFlag(app, facts.flag), facts.env);
  if (!sameState(current, facts.after)) {
    throw new DomainError(
      'ROLLBACK_CONFLICT',
      `${facts.flag} in ${facts.env} changed after entry ${idx}; review the current state before acting`,
      { current, expected: facts.after },
    );
  }
  return gatedEnvChange(
    app,
    ctx,
    'rollback',
    {
      key: facts.flag,
      env: facts.env,
      action: 'flag.rolled_back',
      reason,
      refs: { rollback_of: String(idx) },
      next: () => facts.before,
    },
    breakGlass,
  );
}
