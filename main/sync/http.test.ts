import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { abortableBody, getBytes, getJson, getText } from './http.ts';

let server: Server | null = null;
afterEach(
  () =>
    new Promise<void>((resolve) => {
      if (server) server.close(() => resolve());
      else resolve();
      server = null;
    }),
);

async function respond(status: number, body: string, seen: string[] = []): Promise<string> {
  server = createServer((req, res) => {
    seen.push(req.headers.authorization ?? '');
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('sync HTTP reads', () => {
  it('sends the bearer token and parses JSON objects', async () => {
    const seen: string[] = [];
    const url = await respond(200, '{"a":1}', seen);
    expect(await getJson({ baseUrl: url, token: 'tsk_x' }, '/p')).toEqual({ a: 1 });
    expect(seen).toEqual(['Bearer tsk_x']);
  });

  it('maps 401/403 to E_AUTH (not retryable) with the server code, 5xx to retryable E_HTTP', async () => {
    const url = await respond(401, '{"error":{"code":"INVALID_TOKEN","message":"no"}}');
    await expect(getText({ baseUrl: url, token: 'x' }, '/p')).rejects.toMatchObject({
      code: 'E_AUTH',
      status: 401,
      retryable: false,
      serverCode: 'INVALID_TOKEN',
    });
    server?.close();
    const url2 = await respond(503, 'busy');
    await expect(getText({ baseUrl: url2, token: null }, '/p')).rejects.toMatchObject({
      code: 'E_HTTP',
      status: 503,
      retryable: true,
      serverCode: null,
    });
  });

  it('reports refused connections as retryable E_NETWORK and non-JSON as E_PROTOCOL', async () => {
    await expect(getText({ baseUrl: 'http://127.0.0.1:1', token: null }, '/p')).rejects.toMatchObject({
      code: 'E_NETWORK',
      retryable: true,
    });
    const url = await respond(200, '[1]');
    await expect(getJson({ baseUrl: url, token: null }, '/p')).rejects.toMatchObject({ code: 'E_PROTOCOL' });
  });

  it('honours the stop signal', async () => {
    server = createServer(() => {});
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const ctl = new AbortController();
    const p = getText(
      { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: null, signal: ctl.signal },
      '/p',
    );
    ctl.abort();
    await expect(p).rejects.toMatchObject({ code: 'E_NETWORK' });
    server.closeAllConnections();
  });
});

describe('aborting reads when fetch no longer forwards the signal (undici after a GC, nodejs/node#55428)', () => {
  it('a body that never ends: abort rejects at once and the connection is dropped', async () => {
    let closed: () => void = () => {};
    const serverSawClose = new Promise<void>((resolve) => {
      closed = resolve;
    });
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"partial":'); // and never more
      req.socket.on('close', closed);
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ac = new AbortController();
    // What fetch does once the Request it built was collected: the signal is simply not followed any more.
    const deaf: typeof fetch = (input, init) => fetch(input, { ...init, signal: null });
    const read = getBytes({ baseUrl: url, token: null, fetch: deaf, signal: ac.signal }, '/entries');
    read.catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
    const at = Date.now();
    ac.abort(new Error('stop'));
    await expect(read).rejects.toMatchObject({ code: 'E_NETWORK' });
    expect(Date.now() - at).toBeLessThan(200);
    await serverSawClose;
  });

  it('a stream body piped through abortableBody ends on its own signal', async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': open\n\n');
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ac = new AbortController();
    const res = await fetch(url); // no signal at all: only the pipe can end it
    const reader = abortableBody(res.body, ac.signal)?.getReader();
    expect(new TextDecoder().decode((await reader?.read())?.value)).toBe(': open\n\n');
    const next = reader?.read();
    ac.abort(new Error('closed'));
    await expect(next).rejects.toThrow('closed');
  });
});
