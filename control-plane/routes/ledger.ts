/** Ledger endpoints: SSE stream, NDJSON entries, checkpoints, proofs, keys and key rotation. */
import { consistencyProof, inclusionProof, toBase64 } from '../../shared/ledger/index.ts';
import { sha256 } from '../crypto/node-crypto.ts';
import { PATHS } from '../../shared/protocol/index.ts';
import type { App } from '../domain/app.ts';
import { HttpError } from '../http/errors.ts';
import { json, type Reply, type RequestContext, type Route } from '../http/router.ts';
import { openEventStream } from '../http/sse.ts';
import { parseWith } from '../http/body.ts';
import { int, obj, optional } from '../../shared/validation/schema.ts';
import { intParam } from './params.ts';

function resumeFrom(app: App, ctx: RequestContext): number {
  const header = ctx.req.headers['last-event-id'];
  if (header === undefined || header === '') return 0;
  if (typeof header !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(header)) {
    throw new HttpError(
      'INVALID_LAST_EVENT_ID',
      'Last-Event-ID must be the decimal index of the last entry you received',
    );
  }
  const last = Number(header);
  if (last >= app.ledger.size) {
    throw new HttpError(
      'RESUME_BEYOND_END',
      `you have entries up to ${last} but this log has ${app.ledger.size}; your replica may be from another log or a fork`,
      { size: app.ledger.size },
    );
  }
  return last + 1;
}

function stream(app: App, ctx: RequestContext): Reply {
  const from = resumeFrom(app, ctx);
  if (!app.hub.hasRoom())
    throw new HttpError('TOO_MANY_STREAMS', 'too many ledger streams are open; retry shortly', {
      retry_after_s: 5,
    });
  openEventStream(ctx.req, ctx.res);
  app.hub.add(ctx.res, from);
  return { kind: 'stream' };
}

function entries(app: App, ctx: RequestContext): Reply {
  const size = app.ledger.size;
  const start = intParam(ctx.url, 'start', 0, Number.MAX_SAFE_INTEGER);
  const end = intParam(ctx.url, 'end', 0, Number.MAX_SAFE_INTEGER, size);
  if (start > size)
    throw new HttpError('RANGE_NOT_SATISFIABLE', `start ${start} is beyond the log size ${size}`, { size });
  if (end < start) throw new HttpError('INVALID_RANGE', `end (${end}) is before start (${start})`);
  const to = Math.min(end, size, start + app.options.pageSize);
  const texts = app.ledger.texts(start, to);
  const headers: Record<string, string> = { 'X-Ledger-Size': String(size) };
  if (to < Math.min(end, size)) headers['X-Next-Start'] = String(to);
  return {
    kind: 'text',
    status: 200,
    contentType: 'application/x-ndjson; charset=utf-8',
    text: texts.map((t) => `${t}\n`).join(''),
    headers,
  };
}

function inclusion(app: App, ctx: RequestContext): Reply {
  const size = intParam(ctx.url, 'size', 1, app.ledger.size);
  const idx = intParam(ctx.url, 'idx', 0, size - 1);
  const proof = inclusionProof(sha256, (i) => app.ledger.hashes.at(i), idx, size);
  return json(200, { idx, size, leaf_hash: toBase64(app.ledger.hashes.at(idx)), proof: proof.map(toBase64) });
}

function consistency(app: App, ctx: RequestContext): Reply {
  const newSize = intParam(ctx.url, 'new', 0, app.ledger.size);
  const oldSize = intParam(ctx.url, 'old', 0, newSize);
  const proof = consistencyProof(sha256, (i) => app.ledger.hashes.at(i), oldSize, newSize);
  return json(200, { old: oldSize, new: newSize, proof: proof.map(toBase64) });
}

const rotateShape = obj({ overlap_entries: optional(int(0, 10_000_000)) });

/** The ledger route table. */
export function ledgerRoutes(app: App): Route[] {
  return [
    { method: 'GET', path: PATHS.ledgerStream, access: 'read', handle: (ctx) => stream(app, ctx) },
    { method: 'GET', path: PATHS.ledgerEntries, access: 'read', handle: (ctx) => entries(app, ctx) },
    {
      method: 'GET',
      path: PATHS.ledgerCheckpoint,
      access: 'read',
      handle: () => json(200, { note: app.checkpoints.signNow().note }),
    },
    {
      method: 'GET',
      path: PATHS.ledgerCheckpoints,
      access: 'read',
      handle: (ctx) =>
        json(200, {
          checkpoints: app.checkpoints.history(
            intParam(ctx.url, 'from', 0, Number.MAX_SAFE_INTEGER, 0),
            intParam(ctx.url, 'to', 0, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
            intParam(ctx.url, 'limit', 1, 1000, 100),
          ),
        }),
    },
    { method: 'GET', path: PATHS.inclusionProof, access: 'read', handle: (ctx) => inclusion(app, ctx) },
    { method: 'GET', path: PATHS.consistencyProof, access: 'read', handle: (ctx) => consistency(app, ctx) },
    {
      method: 'GET',
      path: PATHS.ledgerKeys,
      access: 'read',
      handle: () => json(200, { origin: app.ledger.origin, keys: app.keys.list() }),
    },
    {
      method: 'POST',
      path: PATHS.ledgerKeysRotate,
      access: 'admin',
      handle: (ctx) => {
        const body = parseWith(rotateShape, ctx.body ?? {});
        const key = app.keys.rotate(app.ledger.size, body.overlap_entries ?? 1000, ctx.now);
        return json(201, { key, keys: app.keys.list() });
      },
    },
  ];
}
