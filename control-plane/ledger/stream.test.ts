import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVerifierKey, verifyCheckpoint } from '../../shared/ledger/index.ts';
import { ed25519Verify, sha256 } from '../crypto/node-crypto.ts';
import type { Harness } from '../test-support/harness.ts';
import { code, makeFlag, obj, startHarness, waitFor } from '../test-support/harness.ts';
import type { SseStream } from '../test-support/sse-client.ts';
import { openSse } from '../test-support/sse-client.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ heartbeatMs: 100, streamStallMs: 400 });
  for (let i = 0; i < 5; i++) await makeFlag(h, `payments.stream.flag-${i}`);
});
afterAll(async () => h.close());

function stream(headers: Record<string, string> = {}, who = 'vera'): Promise<SseStream> {
  return openSse(`${h.url}/api/v1/ledger/stream`, { Authorization: `Bearer ${h.tokens[who] ?? ''}`, ...headers });
}

async function ndjson(): Promise<string[]> {
  return (await h.req('vera', 'GET', '/api/v1/ledger/entries?start=0')).text.split('\n').filter((l) => l !== '');
}

describe('ledger stream', () => {
  it('replays every entry with id = idx and the exact leaf text, then a verifiable checkpoint without id', async () => {
    const s = await stream();
    try {
      const lines = await ndjson();
      const keys = (obj(await h.req('vera', 'GET', '/api/v1/ledger/keys'))['keys'] as { vkey: string }[]).map((k) =>
        parseVerifierKey(sha256, k.vkey),
      );
      const sizes = (): number[] =>
        s.events
          .filter((e) => e.event === 'checkpoint')
          .map((e) => {
            expect(e.id).toBe(null);
            const { note } = JSON.parse(e.data) as { note: string };
            return verifyCheckpoint(sha256, ed25519Verify, note, { origin: h.cp.origin, trusted: keys }).size;
          });
      await s.waitFor(() => sizes().includes(lines.length));
      const entries = s.events.filter((e) => e.event === 'entry');
      expect(entries.map((e) => e.id)).toEqual(lines.map((_, i) => String(i)));
      expect(entries.map((e) => e.data)).toEqual(lines);
      const firstCheckpoint = s.events.findIndex((e) => e.event === 'checkpoint');
      expect(s.events.slice(0, firstCheckpoint).every((e) => e.event === 'entry')).toBe(true);
    } finally {
      s.close();
    }
  });

  it('pushes new entries live and sends heartbeats', async () => {
    const s = await stream({ 'Last-Event-ID': String(h.cp.app.ledger.size - 1) });
    try {
      await makeFlag(h, 'payments.stream.live-flag');
      const size = h.cp.app.ledger.size;
      const entryAt = (ev: typeof s.events): number => ev.findIndex((e) => e.event === 'entry');
      await s.waitFor((ev) => entryAt(ev) >= 0 && ev.slice(entryAt(ev)).some((e) => e.event === 'heartbeat'));
      const entry = s.events[entryAt(s.events)];
      expect(JSON.parse(entry?.data ?? '{}')).toMatchObject({
        action: 'flag.created',
        flag: 'payments.stream.live-flag',
        idx: Number(entry?.id),
      });
      const beat = s.events.slice(entryAt(s.events)).find((e) => e.event === 'heartbeat');
      expect(JSON.parse(beat?.data ?? '{}')).toMatchObject({ size });
    } finally {
      s.close();
    }
  });

  it('resumes after Last-Event-ID', async () => {
    const s = await stream({ 'Last-Event-ID': '2' });
    try {
      await s.waitFor((ev) => ev.some((e) => e.event === 'checkpoint'));
      expect(s.events.find((e) => e.event === 'entry')?.id).toBe('3');
    } finally {
      s.close();
    }
  });

  it('rejects a malformed or out-of-range Last-Event-ID', async () => {
    const bad = await h.req('vera', 'GET', '/api/v1/ledger/stream', undefined, { 'Last-Event-ID': 'abc' });
    expect([bad.status, code(bad)]).toEqual([400, 'INVALID_LAST_EVENT_ID']);
    const ahead = await h.req('vera', 'GET', '/api/v1/ledger/stream', undefined, {
      'Last-Event-ID': String(h.cp.app.ledger.size),
    });
    expect([ahead.status, code(ahead)]).toEqual([409, 'RESUME_BEYOND_END']);
  });

  it('delivers the same entry to many clients at once', async () => {
    const from = String(h.cp.app.ledger.size - 1);
    const clients = await Promise.all(Array.from({ length: 25 }, () => stream({ 'Last-Event-ID': from })));
    try {
      await makeFlag(h, 'payments.stream.fanout-flag');
      const line = (await ndjson()).at(-1);
      await Promise.all(clients.map((c) => c.waitFor((ev) => ev.some((e) => e.event === 'entry'))));
      for (const c of clients) expect(c.events.filter((e) => e.event === 'entry').map((e) => e.data)).toEqual([line]);
    } finally {
      for (const c of clients) c.close();
    }
  });
});

describe('slow clients', () => {
  const rules = (tag: string): unknown[] =>
    Array.from({ length: 7 }, (_, i) => ({
      attribute: 'user_id',
      op: 'in',
      values: Array.from({ length: 15 }, (_, j) => `${tag}-${i}-${j}-${'x'.repeat(180)}`),
      variation: 'on',
    }));

  it('pauses a client that does not read (bounded buffer), then drops it after the stall limit', async () => {
    await makeFlag(h, 'payments.stream.big-flag');
    for (let i = 0; i < 240; i++) {
      const res = await h.req('rita', 'PATCH', '/api/v1/flags/payments.stream.big-flag/environments/staging', {
        rules: rules(`r${i}`),
        reason: `bulk rules ${i}`,
      });
      expect(res.status).toBe(200);
    }
    const socket = connect(h.cp.port, '127.0.0.1');
    socket.pause();
    socket.write(
      `GET /api/v1/ledger/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${h.tokens['vera'] ?? ''}\r\n\r\n`,
    );
    try {
      await waitFor(() => h.cp.app.hub.stats().some((c) => c.paused), 5000);
      const stat = h.cp.app.hub.stats().find((c) => c.paused);
      expect(stat?.next).toBeLessThan(h.cp.app.ledger.size);
      expect(stat?.buffered).toBeLessThan(200_000);
      await waitFor(() => h.cp.app.hub.count === 0, 3000);
    } finally {
      socket.destroy();
    }
  });
});
