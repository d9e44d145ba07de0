import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { getJson, getText } from './http.ts';

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
