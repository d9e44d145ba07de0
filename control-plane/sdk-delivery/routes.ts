/**
 * SDK endpoints (SDK key): config snapshot with ETag, SSE stream with resume, the flagd document, the ack of an applied
 * version. Admin endpoints (user token): SDK keys. Read endpoints: delivery stats, the SDK fleet of an environment and
 * which instances applied a ledger entry.
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
import { intParam, strParam } from '../routes/params.ts';
import type { SdkHub } from './hub.ts';
import type { InstanceIdentity, SdkFleet } from './fleet.ts';
import { SDK_KEY_NAME_RE, addSdkKey, listSdkKeys, revokeSdkKey } from './keys.ts';
import { sdkInstanceShape } from './telemetry.ts';

const IDENTITY_LIMITS: Record<keyof InstanceIdentity, number> = {
  instance_id: 100,
  service: 100,
  host: 255,
  sdk_version: 40,
};

/**
 * Who opens a stream, from its query (`?instance_id=&service=&host=&sdk_version=`, all four or none): null for SDKs
 * that do not say (they still stream; they appear in the fleet through their acks and reports only).
 */
function streamIdentity(url: URL): InstanceIdentity | null {
  const entries = Object.entries(IDENTITY_LIMITS) as [keyof InstanceIdentity, number][];
  const values = entries.map(([name]) => strParam(url, name));
  if (values.every((v) => v === undefined)) return null;
  const out: Partial<InstanceIdentity> = {};
  entries.forEach(([name, max], i) => {
    const v = values[i];
    if (v === undefined || v.length > max) {
      throw new HttpError(
        'INVALID_QUERY',
        `query parameter ${name} must be 1-${max} characters (send instance_id, service, host and sdk_version together, or none)`,
        { parameter: name },
      );
    }
    out[name] = v;
  });
  return out as InstanceIdentity;
}

function envParam(app: App, ctx: RequestContext): string {
  const env = strParam(ctx.url, 'environment');
  if (env === undefined) {
    throw new HttpError('INVALID_QUERY', 'query parameter environment is required', { parameter: 'environment' });
  }
  requireEnv(app, env);
  return env;
}

/** The commit time (ledger timestamp) of entry `idx`; 404 ENTRY_NOT_FOUND beyond the ledger. */
function committedAt(app: App, idx: number): number {
  const size = app.ledger.size;
  if (idx >= size) {
    throw new HttpError('ENTRY_NOT_FOUND', `no ledger entry ${idx}: the ledger holds ${size} entries (0-${size - 1})`, {
      size,
    });
  }
  const text = app.ledger.texts(idx, idx + 1)[0] ?? '{}';
  return Date.parse((JSON.parse(text) as { ts: string }).ts);
}

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
        const who = streamIdentity(ctx.url);
        const env = sdkEnv(ctx);
        hub.add(ctx.req, ctx.res, env, from, ctx.sdk?.id);
        if (who !== null && !ctx.res.destroyed) {
          const closed = fleet.streamOpened(who, env, ctx.sdk?.name ?? '', ctx.now);
          ctx.res.on('close', closed);
        }
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
      method: 'POST',
      path: PATHS.sdkAck,
      access: 'read',
      sdk: 'only',
      handle: (ctx) => {
        const body = parseWith(sdkInstanceShape, ctx.body);
        fleet.ack(body, sdkEnv(ctx), ctx.sdk?.name ?? '', ctx.now);
        return { kind: 'text', status: 204, text: '', contentType: 'text/plain' };
      },
    },
    {
      method: 'GET',
      path: PATHS.sdkFleet,
      access: 'read',
      handle: (ctx) => json(200, fleet.snapshot(envParam(app, ctx))),
    },
    {
      method: 'GET',
      path: PATHS.sdkFleetApplied,
      access: 'read',
      handle: (ctx) => {
        const env = envParam(app, ctx);
        const idx = intParam(ctx.url, 'idx', 0, Number.MAX_SAFE_INTEGER);
        return json(200, fleet.appliedReport(env, idx, committedAt(app, idx)));
      },
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
      handle: async (ctx) => {
        const body = parseWith(keyShape, ctx.body);
        requireEnv(app, body.environment);
        const { id, key } = await addSdkKey(app.sql, body.environment, body.name, ctx.principal.name, ctx.now);
        return json(201, { id, environment: body.environment, name: body.name, key });
      },
    },
    {
      method: 'GET',
      path: PATHS.sdkKeys,
      access: 'admin',
      handle: async () => json(200, { keys: await listSdkKeys(app.sql) }),
    },
    {
      method: 'DELETE',
      path: PATHS.sdkKey,
      access: 'admin',
      handle: async (ctx) => {
        const id = ctx.params['id'] ?? '';
        if (!(await revokeSdkKey(app.sql, id))) {
          throw new HttpError('SDK_KEY_NOT_FOUND', `no SDK key ${id}; GET /api/v1/sdk/keys lists them`);
        }
        return json(200, { revoked: true, id, streams_closed: hub.closeKey(id) });
      },
    },
  ];
}
