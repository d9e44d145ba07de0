/** Change-request endpoints (four-eyes) and the scheduled-change alias POST /api/v1/flags/{key}/schedule. */
import type { App } from '../domain/app.ts';
import { userContext } from '../domain/app.ts';
import { changeRequestView, listChangeRequestIds, requireChangeRequest } from '../domain/change-request-repo.ts';
import {
  approveChangeRequest,
  createChangeRequest,
  editChangeRequest,
  rejectChangeRequest,
} from '../domain/change-requests.ts';
import type { EnvPatch } from '../domain/env-state.ts';
import { envPatchShape, flagKeyCheck } from '../domain/env-state.ts';
import { can } from '../http/auth.ts';
import { HttpError } from '../http/errors.ts';
import type { Reply, RequestContext, Route } from '../http/router.ts';
import { json } from '../http/router.ts';
import { obj, optional, parseWith, str, text, timestamp } from '../http/validate.ts';
import { intParam, strParam } from './params.ts';

const STATUSES = ['PENDING', 'SCHEDULED', 'APPLIED', 'REJECTED', 'BLOCKED'] as const;
const reason = text(3);
const createBody = obj({
  flag_key: flagKeyCheck,
  environment: str({ min: 1, max: 40 }),
  ...envPatchShape,
  reason,
  scheduled_at: optional(timestamp()),
});
const scheduleBody = obj({
  environment: str({ min: 1, max: 40 }),
  ...envPatchShape,
  reason,
  scheduled_at: timestamp(),
});
const editBody = obj({ ...envPatchShape, reason: optional(reason), scheduled_at: optional(timestamp()) });
const approveBody = obj({
  payload_hash: str({
    min: 64,
    max: 64,
    pattern: /^[0-9a-f]{64}$/,
    hint: 'must be the 64-hex payload_hash you reviewed',
  }),
  comment: optional(str({ max: 1000 })),
});
const rejectBody = obj({ reason });

function patchOf(body: Record<string, unknown>): EnvPatch {
  const { enabled, rollout_pct, variation, rules, prerequisites } = body as EnvPatch;
  const patch: EnvPatch = {};
  if (enabled !== undefined) patch.enabled = enabled;
  if (rollout_pct !== undefined) patch.rollout_pct = rollout_pct;
  if (variation !== undefined) patch.variation = variation;
  if (rules !== undefined) patch.rules = rules;
  if (prerequisites !== undefined) patch.prerequisites = prerequisites;
  return patch;
}

function id(ctx: RequestContext): string {
  return ctx.params['id'] ?? '';
}

function create(app: App, ctx: RequestContext): Reply {
  const body = parseWith(createBody, ctx.body);
  const cr = createChangeRequest(app, userContext(ctx.principal, ctx.now), {
    flag_key: body.flag_key,
    environment: body.environment,
    patch: patchOf(body),
    reason: body.reason,
    scheduled_at: body.scheduled_at,
  });
  return json(201, changeRequestView(app.db, cr));
}

function schedule(app: App, ctx: RequestContext): Reply {
  const body = parseWith(scheduleBody, ctx.body);
  const cr = createChangeRequest(app, userContext(ctx.principal, ctx.now), {
    flag_key: ctx.params['key'] ?? '',
    environment: body.environment,
    patch: patchOf(body),
    reason: body.reason,
    scheduled_at: body.scheduled_at,
  });
  return json(201, changeRequestView(app.db, cr));
}

function reject(app: App, ctx: RequestContext): Reply {
  const body = parseWith(rejectBody, ctx.body);
  const cr = requireChangeRequest(app.db, id(ctx));
  if (cr.requested_by !== ctx.principal.name && !can(ctx.principal.role, 'change_requests.review')) {
    throw new HttpError(403, 'FORBIDDEN', 'only an approver, an admin or the requester can reject this change request');
  }
  return json(
    200,
    changeRequestView(app.db, rejectChangeRequest(app, userContext(ctx.principal, ctx.now), id(ctx), body.reason)),
  );
}

/** The change-request route table. */
export function changeRequestRoutes(app: App): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/v1/change-requests',
      access: 'read',
      handle: (ctx) => {
        const status = strParam(ctx.url, 'status');
        if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
          throw new HttpError(400, 'INVALID_QUERY', `status must be one of ${STATUSES.join(', ')}`, {
            parameter: 'status',
          });
        }
        const ids = listChangeRequestIds(
          app.db,
          status,
          strParam(ctx.url, 'flag_key'),
          intParam(ctx.url, 'limit', 1, 1000, 200),
        );
        return json(200, {
          change_requests: ids.map((i) => changeRequestView(app.db, requireChangeRequest(app.db, i))),
        });
      },
    },
    {
      method: 'POST',
      path: '/api/v1/change-requests',
      access: 'change_requests.create',
      tx: true,
      handle: (ctx) => create(app, ctx),
    },
    {
      method: 'GET',
      path: '/api/v1/change-requests/:id',
      access: 'read',
      handle: (ctx) => json(200, changeRequestView(app.db, requireChangeRequest(app.db, id(ctx)))),
    },
    {
      method: 'PATCH',
      path: '/api/v1/change-requests/:id',
      access: 'change_requests.create',
      tx: true,
      handle: (ctx) => {
        const body = parseWith(editBody, ctx.body);
        const cr = editChangeRequest(
          app,
          userContext(ctx.principal, ctx.now),
          id(ctx),
          patchOf(body),
          body.scheduled_at,
          body.reason,
        );
        return json(200, changeRequestView(app.db, cr));
      },
    },
    {
      method: 'POST',
      path: '/api/v1/change-requests/:id/approve',
      access: 'change_requests.review',
      tx: true,
      handle: (ctx) => {
        const body = parseWith(approveBody, ctx.body);
        const cr = approveChangeRequest(
          app,
          userContext(ctx.principal, ctx.now),
          id(ctx),
          body.payload_hash,
          body.comment ?? 'approved',
        );
        return json(200, changeRequestView(app.db, cr));
      },
    },
    {
      method: 'POST',
      path: '/api/v1/change-requests/:id/reject',
      access: 'change_requests.create',
      tx: true,
      handle: (ctx) => reject(app, ctx),
    },
    {
      method: 'POST',
      path: '/api/v1/flags/:key/schedule',
      access: 'change_requests.create',
      tx: true,
      handle: (ctx) => schedule(app, ctx),
    },
  ];
}
