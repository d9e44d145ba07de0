/**
 * Browser mode: the same handler registry as the Electron shell, served over HTTP + SSE on
 * 127.0.0.1 only, to any Chromium. Every request passes the Host check; API calls also need the
 * session cookie (obtained by exchanging the per-launch token from the URL fragment) and, for
 * POSTs, the server's own Origin.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isInvokeChannel } from '../../shared/ipc/contract.ts';
import type { ConsoleServices } from '../console-services.ts';
import { resolveStatic } from './static-files.ts';
import {
  isAllowedHost,
  isAllowedOrigin,
  readCookie,
  secretsEqual,
  SECURITY_HEADERS,
  sessionCookie,
  sessionCookieName,
} from './security.ts';

/** Options of the browser-mode host. */
export interface BrowserHostOptions {
  services: ConsoleServices;
  rendererDir: string;
  port?: number;
  /** Fixed token for tests; a random one per launch otherwise. */
  token?: string;
}

/** A running browser-mode host. */
export interface BrowserHost {
  port: number;
  token: string;
  /** The URL to open: the token travels in the fragment, never to the server's logs. */
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json', ...extra });
  res.end(JSON.stringify(body));
}

function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { ok: false, error: { code, message } });
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: text === '' ? null : JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * Exchanges the launch token for the session cookie, once: whoever learns the token afterwards (a screenshot, shell
 * history, another local user's browser) gets nothing. The browser that exchanged it keeps the cookie across reloads.
 */
async function handleSession(req: IncomingMessage, res: ServerResponse, ctx: Ctx): Promise<void> {
  const { token, session, port } = ctx;
  const offered = req.headers['x-session-token'];
  if (typeof offered !== 'string' || !secretsEqual(offered, token)) {
    refuse(
      res,
      401,
      'E_SESSION_TOKEN',
      'The session token is missing or wrong. Open the exact URL the console printed at start.',
    );
    return;
  }
  if (ctx.exchanged) {
    refuse(
      res,
      403,
      'E_SESSION_TOKEN_USED',
      'This launch token was already exchanged for a session; it works once. Use the browser window that opened it (a reload keeps its session), or restart the console for a new URL.',
    );
    return;
  }
  ctx.exchanged = true;
  send(res, 200, { ok: true, value: null }, { 'set-cookie': sessionCookie(port, session) });
}

async function handleInvoke(
  req: IncomingMessage,
  res: ServerResponse,
  services: ConsoleServices,
  channel: string,
): Promise<void> {
  const text = await readBody(req);
  if (text === null) return refuse(res, 413, 'E_TOO_LARGE', 'The request is larger than 1 MiB and was refused.');
  const parsed = parseJson(text);
  if (!parsed.ok) return refuse(res, 400, 'E_INVALID_ARGUMENT', 'The request body is not valid JSON; nothing changed.');
  if (!isInvokeChannel(channel)) return refuse(res, 404, 'E_UNKNOWN_CHANNEL', `There is no call named "${channel}".`);
  send(res, 200, await services.registry.invoke(channel, parsed.value));
}

function handleEvents(req: IncomingMessage, res: ServerResponse, services: ConsoleServices): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', connection: 'keep-alive' });
  res.write(': connected\n\n');
  const send = (channel: string, payload: unknown): void => {
    res.write(`event: message\ndata: ${JSON.stringify({ channel, payload })}\n\n`);
  };
  const unsubscribe = services.events.subscribe(send);
  for (const [channel, payload] of services.currentState()) send(channel, payload);
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  req.on('close', () => {
    clearInterval(ping);
    unsubscribe();
  });
}

interface Ctx {
  port: number;
  token: string;
  session: string;
  /** The launch token was exchanged (it is single use). */
  exchanged: boolean;
  options: BrowserHostOptions;
}

async function route(ctx: Ctx, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // DNS-rebinding defence: a page on evil.example resolving to 127.0.0.1 still sends its own Host.
  if (!isAllowedHost(req.headers.host, ctx.port))
    return refuse(res, 421, 'E_BAD_HOST', 'Wrong Host header; browser mode answers only on 127.0.0.1.');
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  const isPost = req.method === 'POST';
  if (url.pathname.startsWith('/api/')) {
    if (!isAllowedOrigin(req.headers.origin, ctx.port, isPost))
      return refuse(res, 403, 'E_BAD_ORIGIN', 'Cross-origin requests are refused.');
    if (isPost && url.pathname === '/api/session') return handleSession(req, res, ctx);
    const cookie = readCookie(req.headers.cookie, sessionCookieName(ctx.port));
    if (cookie === null || !secretsEqual(cookie, ctx.session))
      return refuse(res, 401, 'E_NO_SESSION', 'No valid session. Open the exact URL the console printed at start.');
    if (isPost && url.pathname.startsWith('/api/ipc/'))
      return handleInvoke(req, res, ctx.options.services, url.pathname.slice('/api/ipc/'.length));
    if (req.method === 'GET' && url.pathname === '/api/events') return handleEvents(req, res, ctx.options.services);
    return refuse(res, 404, 'E_NOT_FOUND', 'No such endpoint.');
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'E_METHOD', 'Method not allowed.');
  const file = await resolveStatic(ctx.options.rendererDir, url.pathname);
  if (!file) return refuse(res, 404, 'E_NOT_FOUND', 'No such file.');
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': file.type });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}

/** Starts the host on 127.0.0.1 (never another interface). */
export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const ctx: Ctx = {
    port,
    token: options.token ?? randomBytes(32).toString('hex'),
    session: randomBytes(32).toString('hex'),
    exchanged: false,
    options,
  };
  server.on('request', (req, res) => {
    route(ctx, req, res).catch(() => {
      if (!res.headersSent) refuse(res, 500, 'E_INTERNAL', 'Unexpected error; see the log.');
    });
  });
  return {
    port,
    token: ctx.token,
    url: `http://127.0.0.1:${port}/#token=${ctx.token}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
