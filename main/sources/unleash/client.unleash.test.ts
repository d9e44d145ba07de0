/**
 * The admin API client against a real Unleash: its reads, and the code and sentence of every failure a user can meet
 * (bad token, token without admin rights, bad URL, nothing listening, a server that answers garbage, fails or stalls).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test-support/free-port.ts';
import { UnleashClient } from './client.ts';
import { UnleashError } from './errors.ts';
import { connectTestUnleash, uniqueFlag, type TestUnleash } from './test-support/unleash.ts';

let u: TestUnleash;
let odd: Server;
let oddUrl: string;
/** What the odd server answers next: status and body. */
let answer: { status: number; body: string } = { status: 200, body: '{}' };

beforeAll(async () => {
  u = connectTestUnleash();
  odd = createServer((_req, res) => {
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
  oddUrl = `http://127.0.0.1:${(odd.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => odd?.close(() => resolve()));
});

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<[string, string]> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof UnleashError) return [err.code, err.message];
    throw err;
  }
  throw new Error('expected an UnleashError');
}

describe('the Unleash admin API client', () => {
  it('reads projects, environments, flags and tags', async () => {
    const flag = uniqueFlag('client.reads');
    await u.admin.createFlag(flag, { description: 'reads' });
    await u.admin.tag(flag, 'simple', 'service:search');
    await u.admin.setEnabled(flag, 'development', true);
    expect(await u.client.projects()).toContain('default');
    expect((await u.client.projectEnvironments('default')).map((e) => e.name)).toEqual(['development', 'production']);
    expect((await u.client.environments()).map((e) => e.name)).toEqual(['development', 'production']);
    expect((await u.client.features('default')).find((f) => f.name === flag)).toEqual({
      name: flag,
      type: 'release',
      stale: false,
    });
    const full = await u.client.feature('default', flag);
    expect(full).toMatchObject({
      name: flag,
      project: 'default',
      type: 'release',
      description: 'reads',
      archived: false,
    });
    expect(full.environments.map((e) => [e.name, e.enabled, e.strategies.map((s) => s.name)])).toEqual([
      ['development', true, ['flexibleRollout']],
      ['production', false, []],
    ]);
    expect(await u.client.featureTags(flag)).toEqual([{ type: 'simple', value: 'service:search' }]);
  });

  it('pages the event log newest first with a bounded page size, and re-reads events by id in batches', async () => {
    const page = await u.client.searchEvents(0, 5000);
    expect(page.events.length).toBeLessThanOrEqual(1000);
    expect(page.events.length).toBe(Math.min(page.total, 1000));
    const newestFirst = page.events.map((e) => e.id);
    // Newest first by createdAt (Unleash breaks ties by id at microsecond precision, which milliseconds cannot show).
    const times = page.events.map((e) => e.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    expect((await u.client.searchEvents(0, 0)).events).toHaveLength(1);
    await expect(u.client.searchEvents(-1, 10)).rejects.toThrow(RangeError);
    const ids = [...newestFirst.slice(0, 150), 999_999_999];
    const byId = await u.client.eventsById(ids);
    expect(byId.map((e) => e.id).sort((a, b) => a - b)).toEqual(newestFirst.slice(0, 150).sort((a, b) => a - b));
  });

  it('says E_UNLEASH_AUTH for a wrong token, a token without admin rights and a malformed token', async () => {
    const wrong = new UnleashClient({ url: u.ctx.url, token: '*:*.0000000000000000000000000000000000000000' });
    const [code401, msg401] = await codeOf(wrong.projects());
    expect(code401).toBe('E_UNLEASH_AUTH');
    expect(msg401).toContain('rejected the API token (HTTP 401)');
    const backend = (await u.admin.call('POST', '/api/admin/api-tokens', {
      tokenName: uniqueFlag('backend'),
      type: 'backend',
      environment: 'development',
      projects: ['*'],
    })) as { secret: string };
    const client = new UnleashClient({ url: u.ctx.url, token: backend.secret });
    const [code403, msg403] = await codeOf(client.searchEvents(0, 10));
    expect(code403).toBe('E_UNLEASH_AUTH');
    expect(msg403).toContain('(HTTP 403)');
    expect((await codeOf(() => new UnleashClient({ url: u.ctx.url, token: 'two words' })))[0]).toBe('E_UNLEASH_AUTH');
  });

  it('says E_UNLEASH_URL for URLs that cannot be an Unleash base URL', async () => {
    for (const url of ['not a url', 'ftp://127.0.0.1/', 'http://me:secret@127.0.0.1/', 'http://127.0.0.1/?x=1']) {
      const [code, message] = await codeOf(() => new UnleashClient({ url, token: 't' }));
      expect([url, code]).toEqual([url, 'E_UNLEASH_URL']);
      expect(message).toContain(`"${url}" is not a usable Unleash URL`);
    }
    expect(new UnleashClient({ url: `${u.ctx.url}/`, token: 't' }).url).toBe(u.ctx.url);
  });

  it('says E_UNLEASH_UNREACHABLE when nothing listens', async () => {
    const client = new UnleashClient({ url: `http://127.0.0.1:${await freePort()}`, token: 't' });
    const [code, message] = await codeOf(client.searchEvents(0, 10));
    expect(code).toBe('E_UNLEASH_UNREACHABLE');
    expect(message).toContain('ECONNREFUSED');
  });

  it('says E_UNLEASH_PROTOCOL for garbage, E_UNLEASH_SERVER for failures, E_UNLEASH_NOT_FOUND for missing paths', async () => {
    const client = new UnleashClient({ url: oddUrl, token: 't' });
    answer = { status: 200, body: '<html>sign in</html>' };
    expect(await codeOf(client.searchEvents(0, 10))).toEqual([
      'E_UNLEASH_PROTOCOL',
      `The server at ${oddUrl} answered /api/admin/search/events with something that is not Unleash's admin API (not JSON: "<html>sign in</html>"). Check that the URL points at Unleash itself, not at a proxy login page or another service. Nothing was mirrored from it.`,
    ]);
    answer = { status: 200, body: '{"events":"none","total":1}' };
    expect((await codeOf(client.searchEvents(0, 10)))[1]).toContain('(no "events" list)');
    answer = { status: 200, body: '{"events":[{"id":1,"type":"x"}],"total":1}' };
    expect((await codeOf(client.searchEvents(0, 10)))[1]).toContain('(event 1 has no valid createdAt)');
    answer = { status: 503, body: '{}' };
    expect((await codeOf(client.searchEvents(0, 10)))[0]).toBe('E_UNLEASH_SERVER');
    expect((await codeOf(u.client.getJson('/api/admin/no-such-thing')))[0]).toBe('E_UNLEASH_NOT_FOUND');
    const prefixed = new UnleashClient({ url: `${u.ctx.url}/wrong-prefix`, token: u.ctx.adminToken });
    expect((await codeOf(prefixed.searchEvents(0, 10)))[0]).toBe('E_UNLEASH_PROTOCOL');
  });
});
