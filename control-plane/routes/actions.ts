/** Rollback links and break-glass tokens. */
import type { App } from '../domain/app.ts';
import { userContext } from '../domain/app.ts';
import { issueBreakGlass, issueShape, listBreakGlassTokens } from '../domain/break-glass.ts';
import { applyRollbackLink, createRollbackLink } from '../domain/rollback.ts';
import type { Route } from '../http/router.ts';
import { json } from '../http/router.ts';
import { obj, parseWith, text } from '../http/validate.ts';
import { breakGlassHeader, idxParam } from './params.ts';

const rollbackBody = obj({ reason: text(10) });

/** Rollback-link and break-glass route table. */
export function actionRoutes(app: App): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/v1/ledger/entries/:idx/rollback-link',
      access: 'flags.rollback',
      handle: (ctx) => json(200, createRollbackLink(app, idxParam(ctx.params['idx'], 'idx'), ctx.now)),
    },
    {
      method: 'POST',
      path: '/api/v1/ledger/entries/:idx/rollback',
      access: 'flags.rollback',
      tx: true,
      handle: (ctx) => {
        const idx = idxParam(ctx.params['idx'], 'idx');
        const body = parseWith(rollbackBody, ctx.body);
        const r = applyRollbackLink(
          app,
          userContext(ctx.principal, ctx.now),
          idx,
          ctx.url.searchParams,
          body.reason,
          breakGlassHeader(ctx.req),
        );
        return json(200, {
          rolled_back: true,
          rollback_of: idx,
          flag_key: r.flag.definition.key,
          before: r.before,
          after: r.after,
          idx: r.idx,
          action: r.action,
        });
      },
    },
    {
      method: 'POST',
      path: '/api/v1/break-glass/tokens',
      access: 'break_glass.issue',
      tx: true,
      handle: (ctx) =>
        json(201, issueBreakGlass(app, userContext(ctx.principal, ctx.now), parseWith(obj(issueShape), ctx.body))),
    },
    {
      method: 'GET',
      path: '/api/v1/break-glass/tokens',
      access: 'read',
      handle: () => json(200, { tokens: listBreakGlassTokens(app) }),
    },
  ];
}
