/**
 * The request pipeline: route → authenticate → authorise → read and parse the body → run the handler (in a transaction
 * with idempotency for action routes) → render. Every failure becomes `{"error": {code, message, ...}}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Sql } from '../db/sql.ts';
import type { Store } from '../db/store.ts';
import type { Principal } from '../db/users.ts';
import { authenticate, requirePermission } from './auth.ts';
import { parseJsonBody, readBody } from './body.ts';
import { errorResponse } from './errors.ts';
import { findReplay, idempotencyKey, requestHash, saveReplay } from './idempotency.ts';
import type { Reply, RequestContext, Route, Router } from './router.ts';
import { authenticateSdk } from '../sdk-delivery/auth.ts';
import type { SdkPrincipal } from '../sdk-delivery/keys.ts';

/** What the pipeline needs from the server. */
export interface PipelineDeps {
  store: Store;
  /** The async seam (authentication reads go through it). */
  sql: Sql;
  router: Router;
  clock: () => number;
  log: (line: string) => void;
}

const ANONYMOUS: Principal = { name: 'anonymous', role: 'viewer' };
const EMPTY = Buffer.alloc(0);
const COMMON_HEADERS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

/** Builds the node:http request listener (action routes go through the store's group commit). */
export function createRequestListener(deps: PipelineDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      const failure = errorResponse(err);
      if (failure.status >= 500)
        deps.log(
          `error ${req.method ?? ''} ${req.url ?? ''}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        );
      render(res, {
        kind: 'json',
        status: failure.status,
        body: failure.body,
        headers: failure.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {},
      });
    });
  };
}

async function handle(deps: PipelineDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://control-plane.invalid');
  const method = req.method ?? 'GET';
  const { route, params } = deps.router.match(method, url.pathname);
  let principal = ANONYMOUS;
  let sdk: SdkPrincipal | null = null;
  if (route.access !== 'public') {
    sdk = await authenticateSdk(deps.sql, req, route.sdk);
    if (sdk !== null) principal = { name: `sdk:${sdk.name}`, role: 'viewer' };
    else {
      principal = await authenticate(deps.sql, req);
      requirePermission(principal, route.access);
    }
  }
  const rawBody = method === 'GET' ? EMPTY : await readBody(req);
  const body = route.rawBody === true ? undefined : parseJsonBody(rawBody, req.headers['content-type']);
  const ctx: RequestContext = { req, res, url, params, principal, sdk, rawBody, body, now: deps.clock() };
  const reply = route.tx === true ? await deps.store.batch(() => runInTx(deps, route, ctx)) : await route.handle(ctx);
  render(res, reply);
}

function runInTx(deps: PipelineDeps, route: Route & { tx: true }, ctx: RequestContext): Reply {
  const key = idempotencyKey(ctx.req.headers['idempotency-key']);
  const db = deps.store.db;
  return deps.store.tx(() => {
    if (key === undefined) return route.handle(ctx);
    const hash = requestHash(route.method, ctx.url.pathname + ctx.url.search, ctx.rawBody);
    const prior = findReplay(db, ctx.principal.name, key, hash, ctx.now);
    if (prior !== null)
      return { kind: 'json', status: prior.status, body: prior.body, headers: { 'Idempotent-Replayed': 'true' } };
    const reply = route.handle(ctx);
    if (reply.kind === 'json' && reply.status < 300)
      saveReplay(db, ctx.principal.name, key, hash, { status: reply.status, body: reply.body }, ctx.now);
    return reply;
  });
}

/** Writes a reply (no-op for streams, which own the response). */
export function render(res: ServerResponse, reply: Reply): void {
  if (reply.kind === 'stream' || res.headersSent) return;
  if (reply.kind === 'text') {
    res.writeHead(reply.status, { ...COMMON_HEADERS, 'Content-Type': reply.contentType, ...reply.headers });
    res.end(reply.text);
    return;
  }
  const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...COMMON_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    ...reply.headers,
  });
  res.end(text);
}
