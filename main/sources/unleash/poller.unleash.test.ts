/**
 * The poller against a real Unleash behind a switchable loopback proxy: batches in order then "caught up", new
 * changes picked up by the next poll, exponential backoff while Unleash is down, answers garbage or stalls (each with
 * its code), recovery when it is back, a periodic re-read that reports rewrites, and a halt on a lost anchor.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSwitchProxy, type SwitchProxy } from '../../../test-support/switch-proxy.ts';
import { UnleashClient } from './client.ts';
import { pollUnleash, type MirroredEvent, type PollerItem } from './poller.ts';
import { connectTestUnleash, mirrorAll, ofFlag, uniqueFlag, type TestUnleash } from './test-support/unleash.ts';

let u: TestUnleash;
let proxy: SwitchProxy;
let db: pg.Client;
beforeAll(async () => {
  u = connectTestUnleash();
  proxy = await startSwitchProxy(u.ctx.url);
  db = new pg.Client({ connectionString: u.ctx.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await proxy?.close();
  await db?.end();
});

/** Pulls items until `until` says stop (or 200 items / 20 s pass, which fails the test). */
async function pull(
  it: AsyncGenerator<PollerItem>,
  until: (item: PollerItem, seen: PollerItem[]) => boolean,
): Promise<PollerItem[]> {
  const seen: PollerItem[] = [];
  const deadline = Date.now() + 20_000;
  while (seen.length < 200 && Date.now() < deadline) {
    const next = await it.next();
    if (next.done) return seen;
    seen.push(next.value);
    if (until(next.value, seen)) return seen;
  }
  throw new Error(`the poller did not get there: ${JSON.stringify(seen.map((s) => s.kind))}`);
}

function batchEvents(items: readonly PollerItem[]): MirroredEvent[] {
  return items.flatMap((i) => (i.kind === 'batch' ? i.events : []));
}

const quick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.min(ms, 20)));

describe('the Unleash poller', () => {
  it('hands over batches in order, reports caught up, and picks up new changes on the next poll', async () => {
    const abort = new AbortController();
    const poller = pollUnleash({ client: u.client, intervalMs: 50, pageSize: 25, signal: abort.signal });
    const first = await pull(poller, (i) => i.kind === 'caught_up');
    expect(first.at(-1)?.kind).toBe('caught_up');
    const ids = batchEvents(first).map((m) => m.event.id);
    expect(new Set(ids).size).toBe(ids.length);
    const flag = uniqueFlag('poller.live');
    await u.admin.createFlag(flag);
    await u.admin.setEnabled(flag, 'development', true);
    const later = await pull(poller, (_i, seen) => ofFlag(batchEvents(seen), flag).length === 3);
    expect(ofFlag(batchEvents(later), flag).map((m) => m.draft.action)).toEqual([
      'flag.created',
      'flag.updated',
      'flag.updated',
    ]);
    expect(batchEvents(later).filter((m) => ids.includes(m.event.id))).toEqual([]);
    abort.abort();
    expect((await poller.next()).done).toBe(true);
  });

  it('backs off while Unleash is down or answers garbage, and catches up when it is back', async () => {
    const delays: number[] = [];
    const sleep = (ms: number): Promise<void> => {
      delays.push(ms);
      return quick(ms);
    };
    const client = new UnleashClient({ url: proxy.url, token: u.ctx.adminToken, timeoutMs: 300 });
    const backoff = { baseMs: 100, capMs: 400, maxServerRetryMs: 1000 };
    const poller = pollUnleash({ client, intervalMs: 10, backoff, sleep });
    proxy.mode = 'refuse';
    const down = await pull(poller, (i) => i.kind === 'retrying' && i.attempt === 4);
    expect(down.map((i) => (i.kind === 'retrying' ? [i.error.code, i.attempt] : i.kind))).toEqual([
      ['E_UNLEASH_UNREACHABLE', 1],
      ['E_UNLEASH_UNREACHABLE', 2],
      ['E_UNLEASH_UNREACHABLE', 3],
      ['E_UNLEASH_UNREACHABLE', 4],
    ]);
    const ceilings = [100, 200, 400, 400];
    const asked = down.map((i) => (i.kind === 'retrying' ? i.delayMs : -1));
    asked.forEach((ms, n) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(ceilings[n]!);
    });
    // The poller slept exactly the delays it announced (the 4th sleep starts when the next item is asked for).
    expect(delays).toEqual(asked.slice(0, 3));
    proxy.mode = 'garbage';
    const garbage = await pull(poller, (i) => i.kind === 'retrying');
    expect(garbage.at(-1)).toMatchObject({ kind: 'retrying', attempt: 5, error: { code: 'E_UNLEASH_PROTOCOL' } });
    proxy.mode = 'stall';
    const stalled = await pull(poller, (i) => i.kind === 'retrying');
    expect(stalled.at(-1)).toMatchObject({ kind: 'retrying', attempt: 6, error: { code: 'E_UNLEASH_TIMEOUT' } });
    proxy.mode = 'forward';
    const back = await pull(poller, (i) => i.kind === 'caught_up');
    expect(back.filter((i) => i.kind === 'retrying').length).toBeLessThanOrEqual(1);
    expect(back.some((i) => i.kind === 'batch')).toBe(true);
    proxy.mode = 'refuse';
    const again = await pull(poller, (i) => i.kind === 'retrying');
    expect(again.at(-1)).toMatchObject({ kind: 'retrying', attempt: 1 });
    proxy.mode = 'forward';
    await poller.return(undefined);
  });

  it('re-reads mirrored events every few polls and reports a rewrite without stopping', async () => {
    const flag = uniqueFlag('poller.reread');
    await u.admin.createFlag(flag, { description: 'original' });
    const mirrored = await mirrorAll(u.client);
    const created = ofFlag(mirrored.events, flag)[0]!;
    await db.query(`UPDATE events SET data = '{"name":"forged"}' WHERE id = $1`, [created.event.id]);
    const records = async () => [{ id: created.event.id, digest: created.digest, event: created.event }];
    const poller = pollUnleash({
      client: u.client,
      cursor: mirrored.cursor,
      state: mirrored.state,
      intervalMs: 10,
      reread: { every: 2, records },
    });
    const items = await pull(poller, (i) => i.kind === 'alert');
    expect(items.filter((i) => i.kind === 'caught_up').length).toBeGreaterThanOrEqual(2);
    expect(items.at(-1)).toMatchObject({
      kind: 'alert',
      halted: false,
      alert: { code: 'E_UPSTREAM_REWRITE', kind: 'changed', eventId: created.event.id },
    });
    await poller.return(undefined);
  });

  it('halts with E_UPSTREAM_REWRITE when none of its last events exists upstream', async () => {
    const flag = uniqueFlag('poller.halt');
    await u.admin.createFlag(flag);
    const mirrored = await mirrorAll(u.client);
    const ids = ofFlag(mirrored.events, flag).map((m) => m.event.id);
    await db.query('DELETE FROM events WHERE id = ANY($1::int[])', [ids]);
    const poller = pollUnleash({
      client: u.client,
      cursor: { position: mirrored.cursor.position, recentIds: ids },
      state: mirrored.state,
      intervalMs: 10,
    });
    const items = await pull(poller, () => false);
    expect(items.at(-1)).toMatchObject({
      kind: 'alert',
      halted: true,
      alert: { kind: 'anchor_lost', missingIds: ids },
    });
  });
});
