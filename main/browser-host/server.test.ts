import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsoleServices, type ConsoleServices } from '../console-services.ts';
import { startBrowserHost, type BrowserHost } from './server.ts';
import { CONTENT_SECURITY_POLICY } from './security.ts';
import { plainCodec } from '../ledger/high-water-mark.ts';
import { fileModeSecretBox } from '../profiles/secret-box.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('browser-mode host', () => {
  let host: BrowserHost;
  let services: ConsoleServices;
  let origin: string;
  let cookie: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsc-host-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Tombstone Console</title>');
    services = startConsoleServices({
      mode: 'browser',
      dataDir: join(dir, 'data'),
      secretBox: fileModeSecretBox(),
      hwmCodec: plainCodec,
      bootstrap: null,
    });
    host = await startBrowserHost({ services, rendererDir: dir, token: 'a'.repeat(64) });
    origin = `http://127.0.0.1:${host.port}`;
    const session = await call(host.port, '/api/session', {
      method: 'POST',
      headers: { host: `127.0.0.1:${host.port}`, origin, 'x-session-token': host.token },
    });
    expect(session.status).toBe(200);
    cookie = String(session.headers['set-cookie']).split(';')[0]!;
  });
  afterAll(async () => {
    await host.close();
    await services.stop();
  });

  const base = () => ({ host: `127.0.0.1:${host.port}`, origin });

  it('serves the renderer with the strict CSP', async () => {
    const res = await call(host.port, '/', { headers: { host: `127.0.0.1:${host.port}` } });
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers['content-security-policy']).not.toContain('unsafe-eval');
  });

  it('prints a loopback URL carrying the token in the fragment', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/#token=${'a'.repeat(64)}`);
  });

  it('answers a valid call through the registry', async () => {
    const res = await call(host.port, '/api/ipc/app:info', {
      method: 'POST',
      headers: { ...base(), cookie },
      body: 'null',
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ ok: true, value: { name: 'Tombstone Console', mode: 'browser' } });
  });

  it('names the session cookie after the port, so two consoles in one browser keep their own sessions', () => {
    expect(cookie.startsWith(`tombstone_session_${host.port}=`)).toBe(true);
  });

  it('the launch token is single use: a second exchange is refused with E_SESSION_TOKEN_USED, the first cookie holds', async () => {
    const again = await call(host.port, '/api/session', {
      method: 'POST',
      headers: { ...base(), 'x-session-token': host.token },
    });
    expect(again.status).toBe(403);
    expect(JSON.parse(again.body).error.code).toBe('E_SESSION_TOKEN_USED');
    expect(again.headers['set-cookie']).toBeUndefined();
    // A reload sends no token, only the cookie of the first exchange: it keeps working.
    const reload = await call(host.port, '/api/ipc/app:info', {
      method: 'POST',
      headers: { ...base(), cookie },
      body: 'null',
    });
    expect([reload.status, JSON.parse(reload.body).ok]).toEqual([200, true]);
  });

  it('rejects a wrong session token', async () => {
    const res = await call(host.port, '/api/session', {
      method: 'POST',
      headers: { ...base(), 'x-session-token': 'b'.repeat(64) },
    });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.code).toBe('E_SESSION_TOKEN');
  });

  it('rejects calls without the session cookie', async () => {
    const res = await call(host.port, '/api/ipc/app:info', { method: 'POST', headers: base(), body: 'null' });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.code).toBe('E_NO_SESSION');
  });

  it('rejects a foreign Host (DNS rebinding)', async () => {
    const res = await call(host.port, '/', { headers: { host: `evil.example:${host.port}` } });
    expect(res.status).toBe(421);
    expect(JSON.parse(res.body).error.code).toBe('E_BAD_HOST');
  });

  it('rejects a foreign Origin, and a POST without Origin', async () => {
    const foreign = await call(host.port, '/api/ipc/app:info', {
      method: 'POST',
      headers: { ...base(), origin: 'http://evil.example', cookie },
      body: 'null',
    });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).error.code).toBe('E_BAD_ORIGIN');
    const none = await call(host.port, '/api/ipc/app:info', {
      method: 'POST',
      headers: { host: `127.0.0.1:${host.port}`, cookie },
      body: 'null',
    });
    expect(none.status).toBe(403);
  });

  it('validates arguments and channels', async () => {
    const bad = await call(host.port, '/api/ipc/app:info', {
      method: 'POST',
      headers: { ...base(), cookie },
      body: '{"x":1}',
    });
    expect(JSON.parse(bad.body).error.code).toBe('E_INVALID_ARGUMENT');
    const unknown = await call(host.port, '/api/ipc/shell:exec', {
      method: 'POST',
      headers: { ...base(), cookie },
      body: 'null',
    });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).error.code).toBe('E_UNKNOWN_CHANNEL');
    const notJson = await call(host.port, '/api/ipc/app:info', {
      method: 'POST',
      headers: { ...base(), cookie },
      body: '{',
    });
    expect(JSON.parse(notJson.body).error.code).toBe('E_INVALID_ARGUMENT');
  });

  it('an event stream starts with the current sync state, so nothing emitted before it connected is lost', async () => {
    const first = await new Promise<string>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: host.port, path: '/api/events', headers: { ...base(), cookie } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => {
            body += c.toString();
            if (body.includes('data: ')) {
              req.destroy();
              resolve(body);
            }
          });
        },
      );
      req.on('error', (e) =>
        e.message.includes('aborted') || e.message.includes('socket hang up') ? null : reject(e),
      );
      req.end();
    });
    const data = first.split('\n').find((l) => l.startsWith('data: ')) ?? '';
    expect(JSON.parse(data.slice('data: '.length))).toEqual({ channel: 'sync:changed', payload: { kind: 'idle' } });
  });

  it('refuses path traversal', async () => {
    const res = await call(host.port, '/..%2f..%2fetc%2fpasswd', { headers: { host: `127.0.0.1:${host.port}` } });
    expect(res.status).toBe(404);
  });
});
