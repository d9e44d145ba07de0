/**
 * Break-glass tokens: a responder states a justification (≥ 20 characters) and a scope, and gets a single-use token
 * (`bgt_` + 64 hex, only its SHA-256 stored) that lets one gated change through without four-eyes. Issue and use are
 * ledger entries and alerts; the token is bound to the person it was issued to.
 */
import type { JsonValue } from '../../shared/ledger/index.ts';
import type { BreakGlassResponse } from '../../shared/protocol/index.ts';
import { randomHex, sha256Hex } from '../crypto/node-crypto.ts';
import { stmt } from '../db/stmt.ts';
import { DomainError } from './errors.ts';
import { arr, int, obj, optional, str, text } from '../../shared/validation/schema.ts';
import type { App, ActionContext } from './app.ts';
import { flagKeyCheck } from './env-state.ts';
import { requireEnv, requireFlag } from './lookups.ts';

/** Default and maximum token lifetime. */
export const BREAK_GLASS_TTL = { defaultSeconds: 30 * 60, maxSeconds: 4 * 60 * 60 };

/** Body of POST /api/v1/break-glass/tokens. */
export const issueShape = {
  justification: text(20, 2000),
  scope: obj({ flags: arr(flagKeyCheck, 50), envs: arr(str({ min: 1, max: 40 }), 10) }),
  ttl_seconds: optional(int(60, BREAK_GLASS_TTL.maxSeconds)),
};

/** What issuing returns (the token is shown once). */
export type IssuedToken = BreakGlassResponse;

interface TokenRow {
  id: string;
  issued_by: string;
  justification: string;
  scope: string;
  expires_at: number;
  used_at: number | null;
}

/** The latest 200 tokens, newest first, as `GET /api/v1/break-glass/tokens` lists them (never the token itself). */
export function listBreakGlassTokens(app: App): unknown[] {
  const rows = stmt(
    app.db,
    'SELECT id, issued_by, justification, scope, expires_at, used_at, used_idx FROM break_glass_tokens ORDER BY created_at DESC LIMIT 200',
  ).all() as (TokenRow & { used_idx: number | null })[];
  return rows.map((r) => ({
    token_id: r.id,
    issued_by: r.issued_by,
    justification: r.justification,
    scope: JSON.parse(r.scope) as unknown,
    expires_at: new Date(r.expires_at).toISOString(),
    used_at: r.used_at === null ? null : new Date(r.used_at).toISOString(),
    used_idx: r.used_idx,
  }));
}

/** Issues a token and records `break_glass.issued`. */
export function issueBreakGlass(
  app: App,
  ctx: ActionContext,
  input: { justification: string; scope: { flags: string[]; envs: string[] }; ttl_seconds?: number | undefined },
): IssuedToken {
  if (input.scope.flags.length === 0 || input.scope.envs.length === 0) {
    throw new DomainError('INVALID_BODY', 'scope must name at least one flag and one environment', {
      field: 'body.scope',
    });
  }
  for (const env of input.scope.envs) requireEnv(app, env);
  for (const key of input.scope.flags) requireFlag(app, key);
  const token = `bgt_${randomHex(32)}`;
  const id = `bg-${app.ledger.nextIdx()}`;
  const expiresAt = ctx.now + (input.ttl_seconds ?? BREAK_GLASS_TTL.defaultSeconds) * 1000;
  const scope = { flags: [...new Set(input.scope.flags)].sort(), envs: [...new Set(input.scope.envs)].sort() };
  stmt(
    app.db,
    'INSERT INTO break_glass_tokens (id, token_hash, issued_by, justification, scope, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(id, sha256Hex(token), ctx.actor.id, input.justification, JSON.stringify(scope), expiresAt, ctx.now);
  const expires = new Date(expiresAt).toISOString();
  app.ledger.append({
    ts: ctx.now,
    actor: ctx.actor,
    action: 'break_glass.issued',
    flag: scope.flags.length === 1 ? (scope.flags[0] ?? null) : null,
    env: scope.envs.length === 1 ? (scope.envs[0] ?? null) : null,
    before: null,
    after: { token_id: id, scope, expires_at: expires } as unknown as JsonValue,
    reason: input.justification,
    refs: { break_glass_token: id },
  });
  app.store.afterCommit(() =>
    app.notifier.send({
      event: 'break_glass.issued',
      severity: 'warning',
      ts: new Date(ctx.now).toISOString(),
      dedup_key: id,
      summary: `Break-glass token issued to ${ctx.actor.id} for ${scope.flags.join(', ')} in ${scope.envs.join(', ')}`,
      details: { token_id: id, issued_by: ctx.actor.id, justification: input.justification, expires_at: expires },
    }),
  );
  return { token, token_id: id, expires_at: expires, scope };
}

/**
 * Consumes a token for one change of `flag` in `envs` (a definition change or an archive names every configured
 * environment: the token's scope must cover them all); returns its id. Throws 403/410 with a specific code.
 */
export function consumeBreakGlass(
  app: App,
  ctx: ActionContext,
  token: string,
  flag: string,
  envs: readonly string[],
): string {
  const row = /^bgt_[0-9a-f]{64}$/.test(token)
    ? (stmt(
        app.db,
        'SELECT id, issued_by, justification, scope, expires_at, used_at FROM break_glass_tokens WHERE token_hash = ?',
      ).get(sha256Hex(token)) as TokenRow | undefined)
    : undefined;
  if (row === undefined || row.issued_by !== ctx.actor.id) {
    throw new DomainError(
      'BREAK_GLASS_INVALID',
      'the break-glass token is unknown or was issued to someone else; issue a new one',
    );
  }
  if (row.used_at !== null)
    throw new DomainError('BREAK_GLASS_USED', `break-glass token ${row.id} was already used; tokens are single use`);
  if (ctx.now >= row.expires_at)
    throw new DomainError('BREAK_GLASS_EXPIRED', `break-glass token ${row.id} has expired; issue a new one`);
  const scope = JSON.parse(row.scope) as { flags: string[]; envs: string[] };
  if (!scope.flags.includes(flag) || !envs.every((e) => scope.envs.includes(e))) {
    throw new DomainError(
      'BREAK_GLASS_SCOPE',
      `break-glass token ${row.id} does not cover ${flag} in ${envs.join(', ')}`,
    );
  }
  stmt(app.db, 'UPDATE break_glass_tokens SET used_at = ?, used_idx = ? WHERE id = ?').run(
    ctx.now,
    app.ledger.nextIdx(),
    row.id,
  );
  app.store.afterCommit(() =>
    app.notifier.send({
      event: 'break_glass.used',
      severity: 'critical',
      ts: new Date(ctx.now).toISOString(),
      dedup_key: `${row.id}-used`,
      summary: `Break-glass used by ${ctx.actor.id} on ${flag} in ${envs.join(', ')}`,
      details: {
        token_id: row.id,
        flag,
        env: envs.join(', '),
        used_by: ctx.actor.id,
        justification: row.justification,
      },
    }),
  );
  return row.id;
}
