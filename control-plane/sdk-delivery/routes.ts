/**
 * SDK endpoints (SDK key): config snapshot with ETag, SSE stream with resume, the flagd document. Admin endpoints
 * (user token): SDK keys. Read endpoint: delivery stats and the SDK fleet's last reports.
 */
import { toFlagd } from '../../shared/eval/index.ts';
import type { App } from '../domain/app.ts';
import { requireEnv } from '../domain/lookups.ts';
import { HttpError } from '../http/errors.ts';
import type { Reply, RequestContext, Route } from '../http/router.ts';
import { json } from '../http/router.ts';
import { parseWith } from '../http/body.ts';
import { obj, str } from '../../shared/validation/schema.ts';
import { PATHS } from '../../shared/protocol/index.ts';
import type { SdkHub } from './hub.ts';
import type { SdkFleet } from './fleet.ts';
import { SDK_KEY_NAME_RE, addSdkKey, listSdkKeys, revokeSdkKey } from './keys.ts';

function sdkEnv(ctx: RequestContext): string {
  if (ctx.sdk === null) throw new Error('SDK route without an SDK principal');
  return ctx.sdk.env;
}

function lastEventId(ctx: RequestContext): number | null {
  const header = ctx.req.headers['last-event-id'];
  if (header === undefined || header === '') return null;
  if (typeof header !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(header)) {
    throw new HttpError(
      'INVALID_LAST_EVENT_ID',
      'Last-Event-ID must be the decimal config version of the last event you received',
    );
  }
  return Number(header);
}

function config(hub: SdkHub, ctx: RequestContext): Reply {
  const snap = hub.snapshotText(sdkEnv(ctx));
  const headers = { ETag: snap.etag, 'X-Config-Version': String(snap.version) };
  const match = ctx.req.headers['if-none-match'];
  if (typeof match === 'string' && match.split(/\s*,\s*/).includes(snap.etag)) {
    return { kind: 'text', status: 304, text: '', contentType: 'application/json; charset=utf-8', headers };
  }
  return { kind: 'text', status: 200, text: snap.text, contentType: 'application/json; charset=utf-8', headers };
}

/** The SDK delivery route table. */
export function sdkRoutes(app: App, hub: SdkHub, fleet: SdkFleet): Route[] {
  const keyShape = obj({
    environment: str({ min: 1, max: 40 }),
    name: str({ min: 1, max: 63, pattern: SDK_KEY_NAME_RE, what: 'a lowercase name (letters, digits, . _ -)' }),
  });
  return [
    { method: 'GET', path: PATHS.sdkConfig, access: 'read', sdk: 'only', handle: (ctx) => config(hub, ctx) },
    {
      method: 'GET',
      path: PATHS.sdkStream,
      access: 'read',
      sdk: 'only',
      handle: (ctx) => {
        const from = lastEventId(ctx);
        if (!hub.hasRoom()) {
          throw new HttpError('TOO_MANY_STREAMS', 'too many SDK streams are open; retry shortly', {
            retry_after_s: 5,
          });
        }
        hub.add(ctx.req, ctx.res, sdkEnv(ctx), from, ctx.sdk?.id);
        return { kind: 'stream' };
      },
    },
    {
      method: 'GET',
      path: PATHS.sdkFlagd,
      access: 'read',
      sdk: 'only',
      handle: (ctx) => json(200, toFlagd(hub.config(sdkEnv(ctx)))),
    },
    {
      method: 'GET',
      path: PATHS.sdkStats,
      access: 'read',
      handle: () =>
        json(200, {
          connections: hub.connections(),
          counters: hub.counters,
          memory: process.memoryUsage(),
          instances: fleet.list(),
        }),
    },
    {
      method: 'POST',
      path: PATHS.sdkKeys,
      access: 'admin',
      handle: (ctx) => {
        const body = parseWith(keyShape, ctx.body);
        requireEnv(app, body.environment);
        const { id, key } = addSdkKey(app.db, body.environment, body.name, ctx.principal.name, ctx.now);
        return json(201, { id, environment: body.environment, name: body.name, key });
      },
    },
    {
      method: 'GET',
      path: PATHS.sdkKeys,
      access: 'admin',
      handle: () => json(200, { keys: listSdkKeys(app.db) }),
    },
    {
      method: 'DELETE',
      path: PATHS.sdkKey,
      access: 'admin',
      handle: (ctx) => {
        const id = ctx.params['id'] ?? '';
        if (!revokeSdkKey(app.db, id)) {
          throw new HttpError('SDK_KEY_NOT_FOUND', `no SDK key ${id}; GET /api/v1/sdk/keys lists them`);
        }
        return json(200, { revoked: true, id, streams_closed: hub.closeKey(id) });
      },
    },
  ];
}
