/** Change-request endpoints (four-eyes) and the scheduled-change alias POST /api/v1/flags/{key}/schedule. */
import { type App, userContext } from '../domain/app.ts';
import {
  changeRequestView,
  type DefinitionFields,
  listChangeRequestIds,
  requireChangeRequest,
} from '../domain/change-request-repo.ts';
import {
  CHANGE_REQUEST_OPERATIONS,
  PATHS,
  TIERS,
  type ApproveRequest,
  type ChangeRequestOperation,
  type EnvPatch,
  type RejectRequest,
} from '../../shared/protocol/index.ts';
import {
  approveChangeRequest,
  createChangeRequest,
  createDefinitionRequest,
  editChangeRequest,
  rejectChangeRequest,
} from '../domain/change-requests.ts';
import { envPatchShape, flagKeyCheck } from '../domain/env-state.ts';
import { safeDefaultCheck, variantsCheck } from '../domain/flag-def.ts';
import { can } from '../http/auth.ts';
import { HttpError } from '../http/errors.ts';
import { json, type Reply, type RequestContext, type Route } from '../http/router.ts';
import { parseWith } from '../http/body.ts';
import {
  isRecord,
  obj,
  oneOf,
  optional,
  SchemaError,
  str,
  text,
  timestamp,
  type Check,
} from '../../shared/validation/schema.ts';
import { intParam, strParam } from './params.ts';

const STATUSES = ['PENDING', 'SCHEDULED', 'APPLIED', 'REJECTED', 'BLOCKED'] as const;
const reason = text(3);
const createBody = obj({
  flag_key: flagKeyCheck,
  operation: optional(oneOf(['state'] as const)),
  environment: str({ min: 1, max: 40 }),
  ...envPatchShape,
  reason,
  scheduled_at: optional(timestamp()),
});
const definitionFields = {
  safe_default: optional(safeDefaultCheck),
  tier: optional(oneOf(TIERS)),
  variants: optional(variantsCheck),
};
const definitionBody = obj({
  flag_key: flagKeyCheck,
  operation: oneOf(['definition'] as const),
  ...definitionFields,
  reason,
  scheduled_at: optional(timestamp()),
});
const archiveBody = obj({
  flag_key: flagKeyCheck,
  operation: oneOf(['archive'] as const),
  reason,
  scheduled_at: optional(timestamp()),
});
const scheduleBody = obj({
  environment: str({ min: 1, max: 40 }),
  ...envPatchShape,
  reason,
  scheduled_at: timestamp(),
});
const editTail = { reason: optional(reason), scheduled_at: optional(timestamp()) };
const editBodies: Record<ChangeRequestOperation, Check<Record<string, unknown>>> = {
  state: obj({ ...envPatchShape, ...editTail }),
  definition: obj({ ...definitionFields, ...editTail }),
  archive: obj(editTail),
};
const approveBody: Check<ApproveRequest> = obj({
  payload_hash: str({
    min: 64,
    max: 64,
    pattern: /^[0-9a-f]{64}$/,
    what: 'the 64-hex payload_hash you reviewed',
  }),
  comment: optional(str({ max: 1000 })),
});
const rejectBody: Check<RejectRequest> = obj({ reason });

function patchOf(body: EnvPatch): EnvPatch {
  const { enabled, rollout_pct, variation, rules, prerequisites } = body;
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

function operationOf(body: unknown): ChangeRequestOperation {
  const op = isRecord(body) ? body['operation'] : undefined;
  return optional(oneOf(CHANGE_REQUEST_OPERATIONS))(op, 'body.operation') ?? 'state';
}

function fieldsOf(body: {
  safe_default?: DefinitionFields['safe_default'];
  tier?: DefinitionFields['tier'];
  variants?: DefinitionFields['variants'];
}) {
  const fields: DefinitionFields = {};
  if (body.safe_default !== undefined) fields.safe_default = body.safe_default;
  if (body.tier !== undefined) fields.tier = body.tier;
  if (body.variants !== undefined) fields.variants = body.variants;
  return fields;
}

function createDefinition(app: App, ctx: RequestContext, operation: 'definition' | 'archive'): Reply {
  const body = operation === 'archive' ? parseWith(archiveBody, ctx.body) : parseWith(definitionBody, ctx.body);
  const fields = body.operation === 'definition' ? fieldsOf(body) : {};
  if (body.operation === 'definition' && Object.keys(fields).length === 0)
    throw new SchemaError('body.safe_default', 'a definition request sets safe_default, tier, variants or several');
  const cr = createDefinitionRequest(app, userContext(ctx.principal, ctx.now), ctx.principal.role, {
    flag_key: body.flag_key,
    operation,
    fields,
    reason: body.reason,
    scheduled_at: body.scheduled_at,
  });
  return json(201, changeRequestView(app.db, cr));
}

function create(app: App, ctx: RequestContext): Reply {
  const operation = operationOf(ctx.body);
  if (operation !== 'state') return createDefinition(app, ctx, operation);
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

function edit(app: App, ctx: RequestContext): Reply {
  const operation = requireChangeRequest(app.db, id(ctx)).operation;
  const body = parseWith(editBodies[operation], ctx.body) as EnvPatch &
    DefinitionFields & { reason?: string; scheduled_at?: number };
  const cr = editChangeRequest(app, userContext(ctx.principal, ctx.now), ctx.principal.role, id(ctx), {
    patch: patchOf(body),
    fields: fieldsOf(body),
    scheduledAt: body.scheduled_at,
    reason: body.reason,
  });
  return json(200, changeRequestView(app.db, cr));
}

function reject(app: App, ctx: RequestContext): Reply {
  const body = parseWith(rejectBody, ctx.body);
  const cr = requireChangeRequest(app.db, id(ctx));
  if (cr.requested_by !== ctx.principal.name && !can(ctx.principal.role, 'change_requests.review')) {
    throw new HttpError('FORBIDDEN', 'only an approver, an admin or the requester can reject this change request');
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
      path: PATHS.changeRequests,
      access: 'read',
      handle: (ctx) => {
        const status = strParam(ctx.url, 'status');
        if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
          throw new HttpError('INVALID_QUERY', `status must be one of ${STATUSES.join(', ')}`, {
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
      path: PATHS.changeRequests,
      access: 'change_requests.create',
      tx: true,
      handle: (ctx) => create(app, ctx),
    },
    {
      method: 'GET',
      path: PATHS.changeRequest,
      access: 'read',
      handle: (ctx) => json(200, changeRequestView(app.db, requireChangeRequest(app.db, id(ctx)))),
    },
    {
      method: 'PATCH',
      path: PATHS.changeRequest,
      access: 'change_requests.create',
      tx: true,
      handle: (ctx) => edit(app, ctx),
    },
    {
      method: 'POST',
      path: PATHS.approve,
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
      path: PATHS.reject,
      access: 'change_requests.create',
      tx: true,
      handle: (ctx) => reject(app, ctx),
    },
    {
      method: 'POST',
      path: PATHS.schedule,
      access: 'change_requests.create',
      tx: true,
      handle: (ctx) => schedule(app, ctx),
    },
  ];
}
