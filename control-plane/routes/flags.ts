/** Flag endpoints: list/get/create, metadata and per-environment updates, kill, archive, tombstones. */
import { type App, userContext } from '../domain/app.ts';
import { gatedEnvChange } from '../domain/env-change.ts';
import { requireFlag } from '../domain/lookups.ts';
import { PATHS, type EnvPatch, type KillRequest, type KillResponse } from '../../shared/protocol/index.ts';
import { applyPatch, envPatchShape } from '../domain/env-state.ts';
import { createShape, definitionPatchShape, flagView } from '../domain/flag-def.ts';
import { getTombstone, listFlags, listTombstones } from '../domain/flag-repo.ts';
import { archiveFlag, createFlag, patchDefinition } from '../domain/flags.ts';
import { killFlag } from '../domain/rollback.ts';
import { HttpError } from '../http/errors.ts';
import { json, type Reply, type RequestContext, type Route } from '../http/router.ts';
import { parseWith } from '../http/body.ts';
import { int, obj, optional, record, str, text, type Check } from '../../shared/validation/schema.ts';
import { breakGlassHeader, strParam } from './params.ts';

const createBody = obj({ ...createShape, environments: optional(record(/^[a-z][a-z0-9-]*$/, obj(envPatchShape), 20)) });
const envBody = obj({
  ...envPatchShape,
  reason: text(3),
  expected_version: optional(int(1, Number.MAX_SAFE_INTEGER)),
});
const killBody: Check<KillRequest> = obj({ environment: str({ min: 1, max: 40 }), reason: text(10) });
const archiveBody = obj({ reason: text(10) });

function key(ctx: RequestContext): string {
  return ctx.params['key'] ?? '';
}

function getOne(app: App, ctx: RequestContext): Reply {
  const tomb = getTombstone(app.db, key(ctx));
  if (tomb !== null)
    throw new HttpError('FLAG_TOMBSTONED', `${key(ctx)} was archived (tombstoned) and can never be reused`, {
      tombstone: tomb,
    });
  return json(200, flagView(requireFlag(app, key(ctx))));
}

function updateEnv(app: App, ctx: RequestContext): Reply {
  const body = parseWith(envBody, ctx.body);
  const env = ctx.params['env'] ?? '';
  const { reason, expected_version: expected, ...patch } = body;
  if (expected !== undefined) {
    const current = requireFlag(app, key(ctx)).versions[env] ?? 0;
    if (current !== expected) {
      throw new HttpError(
        'VERSION_CONFLICT',
        `${key(ctx)} in ${env} is at version ${current}, not ${expected}; reload and retry`,
        { current_version: current },
      );
    }
  }
  const result = gatedEnvChange(
    app,
    userContext(ctx.principal, ctx.now),
    'update',
    {
      key: key(ctx),
      env,
      action: 'flag.updated',
      reason,
      next: (before) => applyPatch(before, patch as EnvPatch),
    },
    breakGlassHeader(ctx.req),
  );
  return json(200, {
    flag_key: key(ctx),
    environment: env,
    before: result.before,
    after: result.after,
    version: result.version,
    idx: result.idx,
    action: result.action,
  });
}

function kill(app: App, ctx: RequestContext): Reply {
  const body = parseWith(killBody, ctx.body);
  const result = killFlag(
    app,
    userContext(ctx.principal, ctx.now),
    key(ctx),
    body.environment,
    body.reason,
    breakGlassHeader(ctx.req),
  );
  return json(200, {
    killed: true,
    flag_key: key(ctx),
    environment: body.environment,
    before: result.before,
    after: result.after,
    idx: result.idx,
    action: result.action,
  } satisfies KillResponse);
}

/** The flag route table. */
export function flagRoutes(app: App): Route[] {
  return [
    {
      method: 'GET',
      path: PATHS.flags,
      access: 'read',
      handle: (ctx) =>
        json(200, {
          flags: listFlags(app.db, { owner: strParam(ctx.url, 'owner'), service: strParam(ctx.url, 'service') }).map(
            flagView,
          ),
        }),
    },
    {
      method: 'POST',
      path: PATHS.flags,
      access: 'flags.write',
      tx: true,
      handle: (ctx) =>
        json(201, flagView(createFlag(app, userContext(ctx.principal, ctx.now), parseWith(createBody, ctx.body)))),
    },
    { method: 'GET', path: PATHS.flag, access: 'read', handle: (ctx) => getOne(app, ctx) },
    {
      method: 'PATCH',
      path: PATHS.flag,
      access: 'flags.write',
      tx: true,
      handle: (ctx) =>
        json(
          200,
          flagView(
            patchDefinition(
              app,
              userContext(ctx.principal, ctx.now),
              ctx.principal.role,
              key(ctx),
              parseWith(obj(definitionPatchShape), ctx.body),
              breakGlassHeader(ctx.req),
            ),
          ),
        ),
    },
    {
      method: 'PATCH',
      path: PATHS.flagEnvironment,
      access: 'flags.write',
      tx: true,
      handle: (ctx) => updateEnv(app, ctx),
    },
    {
      method: 'POST',
      path: PATHS.kill,
      access: 'flags.kill',
      tx: true,
      handle: (ctx) => kill(app, ctx),
    },
    {
      method: 'POST',
      path: PATHS.archive,
      access: 'flags.write',
      tx: true,
      handle: (ctx) => {
        const body = parseWith(archiveBody, ctx.body);
        const ctx2 = userContext(ctx.principal, ctx.now);
        const { idx, action } = archiveFlag(app, ctx2, key(ctx), body.reason, breakGlassHeader(ctx.req));
        return json(200, {
          archived: true,
          flag_key: key(ctx),
          idx,
          action,
          tombstone: getTombstone(app.db, key(ctx)),
        });
      },
    },
    {
      method: 'GET',
      path: PATHS.tombstones,
      access: 'read',
      handle: () => json(200, { tombstones: listTombstones(app.db) }),
    },
    {
      method: 'GET',
      path: PATHS.environments,
      access: 'read',
      handle: () => json(200, { environments: app.options.environments }),
    },
  ];
}
