/** Rollback links and break-glass tokens. */
import type { App } from '../domain/app.ts';
import { userContext } from '../domain/app.ts';
import { issueBreakGlass, issueShape } from '../domain/break-glass.ts';
import { applyRollbackLink, createRollbackLink } from '../domain/rollback.ts';
import { stmt } from '../db/stmt.ts';
import type { Route } from '../http/router.ts';
import { json } from '../http/router.ts';
import { obj, parseWith, str } from '../http/validate.ts';
import { breakGlassHeader, idxParam } from './params.ts';

const rollbackBody = obj({ reason: str({ min: 10, max: 1000 }) });

interface TokenRow {
  id: string;
  issued_by: string;
  justification: string;
  scope: string;
  expires_at: number;
  used_at: number | null;
  used_idx: number | null;
}

function listTokens(app: App): unknown[] {
  const rows = stmt(app.db, 'SELECT id, issued_by, justification, scope, expires_at, used_at, used_idx FROM break_glass_tokens ORDER BY created_at DESC LIMIT 200')
    .all() as TokenRow[];
  return rows.map((r) => ({
    token_id: r.id, issued_by: r.issued_by, justification: r.justification, scope: JSON.parse(r.scope) as unknown,
    expires_at: new Date(r.expires_at).toISOString(), used_at: r.used_at === null ? null : new Date(r.used_at).toISOString(), used_idx: r.used_idx,
  }));
}

/** Rollback-link and break-glass route table. */
export function actionRoutes(app: App): Route[] {
  return [
    {
      method: 'GET', path: '/api/v1/ledger/entries/:idx/rollback-link', access: 'flags.rollback',
      handle: (ctx) => json(200, createRollbackLink(app, idxParam(ctx.params['idx'], 'idx'), ctx.now)),
    },
    {
      method: 'POST', path: '/api/v1/ledger/entries/:idx/rollback', access: 'flags.rollback', tx: true,
      handle: (ctx) => {
        const idx = idxParam(ctx.params['idx'], 'idx');
        const body = parseWith(rollbackBody, ctx.body);
        const r = applyRollbackLink(app, userContext(ctx.principal, ctx.now), idx, ctx.url.searchParams, body.reason, breakGlassHeader(ctx.req));
        return json(200, {
          rolled_back: true, rollback_of: idx, flag_key: r.flag.definition.key, before: r.before, after: r.after, idx: r.idx, action: r.action,
        });
      },
    },
    {
      method: 'POST', path: '/api/v1/break-glass/tokens', access: 'break_glass.issue', tx: true,
      handle: (ctx) => json(201, issueBreakGlass(app, userContext(ctx.principal, ctx.now), parseWith(obj(issueShape), ctx.body))),
    },
    { method: 'GET', path: '/api/v1/break-glass/tokens', access: 'read', handle: () => json(200, { tokens: listTokens(app) }) },
  ];
}
