/** Rollback links and break-glass tokens. */
import {
  PATHS,
  type BreakGlassRequest,
  type RollbackRequest,
  type RollbackResponse,
} from '../../shared/protocol/index.ts';
import { type App, userContext } from '../domain/app.ts';
import { issueBreakGlass, issueShape, listBreakGlassTokens } from '../domain/break-glass.ts';
import { applyRollbackLink, createRollbackLink } from '../domain/rollback.ts';
import { json, type Route } from '../http/router.ts';
import { parseWith } from '../http/body.ts';
import { obj, text, type Check } from '../../shared/validation/schema.ts';
import { breakGlassHeader, idxParam } from './params.ts';

const rollbackBody: Check<RollbackRequest> = obj({ reason: text(10) });

const breakGlassBody: Check<BreakGlassRequest> = obj(issueShape);

/** Rollback-link and break-glass route table. */
export function actionRoutes(app: App): Route[] {
  return [
    {
      method: 'GET',
      path: PATHS.rollbackLink,
      access: 'flags.rollback',
      handle: (ctx) => json(200, createRollbackLink(app, idxParam(ctx.params['idx'], 'idx'), ctx.now)),
    },
    {
      method: 'POST',
      path: PATHS.rollback,
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
        } satisfies RollbackResponse);
      },
    },
    {
      method: 'POST',
      path: PATHS.breakGlassTokens,
      access: 'break_glass.issue',
      tx: true,
      handle: (ctx) =>
        json(201, issueBreakGlass(app, userContext(ctx.principal, ctx.now), parseWith(breakGlassBody, ctx.body))),
    },
    {
      method: 'GET',
      path: PATHS.breakGlassTokens,
      access: 'read',
      handle: () => json(200, { tokens: listBreakGlassTokens(app) }),
    },
  ];
}
