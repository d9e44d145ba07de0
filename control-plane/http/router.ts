/** Route table types and matching: `/api/v1/flags/:key` patterns, 404 for unknown paths, 405 for wrong methods. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../db/users.ts';
import type { SdkPrincipal } from '../sdk-delivery/keys.ts';
import { HttpError } from './errors.ts';
import type { Permission } from './auth.ts';

/** A finished response to render. */
export type Reply =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'text'; status: number; text: string; contentType: string; headers?: Record<string, string> }
  | { kind: 'stream' };

/** Everything a handler sees about the request. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  principal: Principal;
  /** The SDK key's environment and name when the request carries an SDK key (docs/protocol.md "SDK delivery"). */
  sdk: SdkPrincipal | null;
  rawBody: Buffer;
  body: unknown;
  now: number;
}

/** Who may call a route: a permission (bearer token with a role that has it) or nobody-needs-a-token. */
export type Access = Permission | 'public';

/**
 * A route. `tx` handlers are synchronous and run inside one database transaction together with the idempotency
 * record; other handlers may be async or take over the response (streams).
 */
export type Route = {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  access: Access;
  /** SDK keys: refused (403) when absent; `only`: nothing but an SDK key; `also`: an SDK key or a user token. */
  sdk?: 'only' | 'also';
  rawBody?: boolean;
} & (
  | { tx: true; handle: (ctx: RequestContext) => Reply }
  | { tx?: false; handle: (ctx: RequestContext) => Reply | Promise<Reply> }
);

/** A JSON reply. */
export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers === undefined ? { kind: 'json', status, body } : { kind: 'json', status, body, headers };
}

interface Compiled {
  route: Route;
  segments: string[];
}

/** Matches method + path against a route table. */
export class Router {
  private readonly compiled: Compiled[];

  constructor(routes: readonly Route[]) {
    this.compiled = routes.map((route) => ({ route, segments: route.path.split('/').filter((s) => s !== '') }));
  }

  /** The matching route and its decoded params; throws 404 NOT_FOUND or 405 METHOD_NOT_ALLOWED. */
  match(method: string, pathname: string): { route: Route; params: Record<string, string> } {
    const parts = pathname.split('/').filter((s) => s !== '');
    let allowed: string[] = [];
    for (const c of this.compiled) {
      const params = matchSegments(c.segments, parts);
      if (params === null) continue;
      if (c.route.method === method) return { route: c.route, params };
      allowed = [...allowed, c.route.method];
    }
    if (allowed.length > 0) {
      throw new HttpError('METHOD_NOT_ALLOWED', `${method} is not supported here; use ${allowed.join(' or ')}`, {
        allow: allowed,
      });
    }
    throw new HttpError('NOT_FOUND', `no endpoint at ${pathname}; see docs/protocol.md for the list`);
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const v = parts[i] as string;
    if (p.startsWith(':')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(v);
      } catch {
        return null;
      }
      params[p.slice(1)] = decoded;
    } else if (p !== v) {
      return null;
    }
  }
  return params;
}
