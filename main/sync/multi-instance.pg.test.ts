/**
 * Two control-plane processes on one PostgreSQL database, behind the console's instance list (issue 20):
 *
 * - break-glass tokens raced across the instances are each used once;
 * - scheduled changes that both instances' schedulers find due are each executed once;
 * - 200 actions split across the instances run concurrently while the console syncs through B; B is SIGKILLed
 *   mid-stream, the console fails over to A with Last-Event-ID, and an action whose answer died with B is sent again
 *   to A with its Idempotency-Key (so it counts once whether or not B committed it); B then restarts on its address
 *   while the writes go on, and ends up serving the same log;
 * - then: every action is in the ledger exactly once, the chain has no gap or duplicate, the console's replica
 *   verifies at the server's root, and every stored checkpoint is the one root of its size, signed by the log's key.
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { SyncState } from '../../shared/ipc/contract.ts';
import { CompactRange, fromHex, parseVerifierKey, toHex, verifyCheckpoint } from '../../shared/ledger/index.ts';
import { freshPgDatabase } from '../../test-support/pg-context.ts';
import { ed25519Verify, sha256 } from '../ledger/node-crypto.ts';
import { controlPlaneSource } from '../sources/control-plane.ts';
import { addUser, spawnControlPlane, type ControlPlaneProcess } from './test-support/control-plane-process.ts';
import { FAST_CP, pinnedProfile, recorder, replicaAt, serverHead, tempDir, until } from './test-support/fixture.ts';

const ACTIONS = 200;
const KILL_AFTER = 60;
const IN_FLIGHT = 16;
const FLAGS = 10;
const TOKENS = 5;
const SCHEDULES = 4;

interface Reply {
  status: number;
  body: Record<string, unknown>;
  replayed: boolean;
}

async function call(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
    replayed: res.headers.get('idempotent-replayed') === 'true',
  };
}

async function ok(p: Promise<Reply>, what: string): Promise<Record<string, unknown>> {
  const r = await p;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const children: ControlPlaneProcess[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const c of children) await c.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('two control planes on one PostgreSQL database', () => {
  it('lose and duplicate nothing while one is SIGKILLed mid-stream and the console fails over', async () => {
    const database = await freshPgDatabase('multi');
    const root = tempDir('multi');
    dirs.push(root);
    const args = [...FAST_CP, '--database', database];
    const a = await spawnControlPlane({ dataDir: join(root, 'a'), args });
    children.push(a);
    // Every instance of one log signs with the same keys and secret: copied from the first, as docs/deploy.md says.
    cpSync(join(root, 'a', 'keys'), join(root, 'b', 'keys'), { recursive: true });
    cpSync(join(root, 'a', 'secret'), join(root, 'b', 'secret'));
    const b = await spawnControlPlane({ dataDir: join(root, 'b'), args });
    children.push(b);
    expect(b.origin).toBe(a.origin);
    expect(b.verifierKeys).toEqual(a.verifierKeys);
    const alice = addUser(database, 'alice', 'admin');
    const rita = addUser(database, 'rita', 'responder');
    const amy = addUser(database, 'amy', 'approver');
    const vera = addUser(database, 'vera', 'viewer');

    // Flags, created alternately through each instance.
    const flag = (i: number): string => `multi.flag.f${i}`;
    for (let i = 0; i < FLAGS; i++) {
      await ok(
        call(i % 2 === 0 ? a.url : b.url, alice, 'POST', '/api/v1/flags', {
          key: flag(i),
          type: 'release',
          owner: 'multi',
          services: ['multi'],
          tier: 'LOW',
          description: 'multi-instance test flag',
        }),
        `create ${flag(i)}`,
      );
    }
    for (const [key, tier] of [
      ['multi.bg.blocked', 'BLOCKED'],
      ['multi.sched.high', 'HIGH'],
    ] as const) {
      await ok(
        call(a.url, alice, 'POST', '/api/v1/flags', {
          key,
          type: 'release',
          owner: 'multi',
          services: ['multi'],
          tier,
          description: 'multi-instance test flag',
        }),
        `create ${key}`,
      );
    }

    // The console syncs through B first.
    const rec = recorder();
    const source = controlPlaneSource({
      sync: {
        profile: { ...pinnedProfile(b.url, vera, b), urls: [b.url, a.url] },
        replica: replicaAt(join(root, 'replica.sqlite')),
        log: rec.log,
        heartbeatMs: 300,
        backoff: { baseMs: 20, capMs: 200, maxServerRetryMs: 1000 },
        pageSize: 200,
        concurrency: 2,
        offlineAfterAttempts: 3,
      },
    });
    const h = source.follow();
    rec.attach(h);
    try {
      await until(() => h.state().kind === 'live', 'live through B', 30_000);
      expect(h.state()).toMatchObject({ kind: 'live', url: b.url, instance: { position: 1, count: 2 } });

      // Break-glass tokens, each presented to both instances at once: exactly one use each.
      const bgOutcomes: number[][] = [];
      for (let t = 0; t < TOKENS; t++) {
        const issued = await ok(
          call(t % 2 === 0 ? a.url : b.url, rita, 'POST', '/api/v1/break-glass/tokens', {
            justification: 'card payments failing for all EU customers, approvers asleep',
            scope: { flags: ['multi.bg.blocked'], envs: ['production'] },
          }),
          'issue break-glass',
        );
        const use = (base: string): Promise<Reply> =>
          call(
            base,
            rita,
            'PATCH',
            '/api/v1/flags/multi.bg.blocked/environments/production',
            { enabled: t % 2 === 0, rollout_pct: 10 + t, reason: `break-glass race ${t}` },
            { 'x-break-glass-token': String(issued['token']) },
          );
        const both = await Promise.all([use(a.url), use(b.url)]);
        bgOutcomes.push(both.map((r) => r.status).sort());
        const used = both.filter((r) => r.status === 200);
        expect(used.map((r) => r.body['action'])).toEqual(['break_glass.used']);
        const refused = both.find((r) => r.status !== 200);
        expect([refused?.status, (refused?.body['error'] as { code?: string } | undefined)?.code]).toEqual([
          410,
          'BREAK_GLASS_USED',
        ]);
      }
      expect(bgOutcomes).toEqual(Array.from({ length: TOKENS }, () => [200, 410]));

      // Scheduled changes due at one moment, with both instances' schedulers polling: each executes once.
      const runAt = new Date(Math.ceil((Date.now() + 2500) / 1000) * 1000).toISOString();
      const crs: string[] = [];
      for (let s = 0; s < SCHEDULES; s++) {
        const cr = await ok(
          call(s % 2 === 0 ? a.url : b.url, rita, 'POST', '/api/v1/flags/multi.sched.high/schedule', {
            environment: s % 2 === 0 ? 'staging' : 'production',
            enabled: true,
            rollout_pct: 10 * (s + 1),
            reason: `scheduled ${s}`,
            scheduled_at: runAt,
          }),
          'schedule',
        );
        const approved = await ok(
          call(s % 2 === 0 ? b.url : a.url, amy, 'POST', `/api/v1/change-requests/${String(cr['id'])}/approve`, {
            payload_hash: cr['payload_hash'],
            comment: 'reviewed',
          }),
          'approve',
        );
        expect(approved).toMatchObject({ status: 'SCHEDULED' });
        crs.push(String(cr['id']));
      }
      for (const id of crs) {
        const deadline = Date.now() + 20_000;
        for (;;) {
          const cr = await ok(call(a.url, vera, 'GET', `/api/v1/change-requests/${id}`), 'read request');
          if (cr['status'] === 'APPLIED') break;
          expect(cr['status']).toBe('SCHEDULED');
          if (Date.now() > deadline) throw new Error(`schedule of ${id} never ran`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }

      // 200 actions split across the instances, 16 at a time; B dies after 60 have been answered.
      let answered = 0;
      let resent = 0;
      let replayedOnA = 0;
      let killed: Promise<void> | null = null;
      let restarted: ControlPlaneProcess | null = null;
      const seenBeforeKill: { size: number } = { size: 0 };
      const action = async (i: number): Promise<void> => {
        const body = { rollout_pct: (i % 100) + 1, reason: `multi change ${i}` };
        const path = `/api/v1/flags/${flag(i % FLAGS)}/environments/production`;
        const headers = { 'idempotency-key': `multi-${i}` };
        const first = i % 2 === 0 ? a.url : b.url;
        let r: Reply;
        try {
          r = await call(first, alice, 'PATCH', path, body, headers);
        } catch {
          // The connection died with B: the change may or may not have committed there. Same key, other instance.
          resent++;
          r = await call(a.url, alice, 'PATCH', path, body, headers);
          if (r.replayed) replayedOnA++;
        }
        if (r.status !== 200) throw new Error(`action ${i}: ${r.status} ${JSON.stringify(r.body)}`);
        answered++;
        if (answered === KILL_AFTER && killed === null) {
          seenBeforeKill.size = h.replica()?.status().receivedSize ?? 0;
          // B comes back on its address while the others keep writing: it must start on a table that is moving.
          killed = b.kill('SIGKILL').then(async () => {
            restarted = await spawnControlPlane({ dataDir: join(root, 'b'), args, port: b.port });
            children.push(restarted);
          });
        }
      };
      let next = 0;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < ACTIONS) await action(next++);
        }),
      );
      await killed;
      expect(answered).toBe(ACTIONS);
      expect(b.child.signalCode).toBe('SIGKILL');

      // The console moved to A and holds everything A has, verified.
      const head = await serverHead(a.url, vera);
      await until(() => h.replica()?.status().verifiedSize === head.size, 'verified through A', 60_000);
      await until(() => h.state().kind === 'live', 'live through A', 30_000);
      const state = h.state() as Extract<SyncState, { kind: 'live' }>;
      expect(state).toMatchObject({ kind: 'live', url: a.url, instance: { position: 2, count: 2 } });
      expect(state.failover).toMatchObject({ from: b.url, to: a.url });
      expect(rec.events['ledger:alerted']).toEqual([]);
      const replica = h.replica();
      expect(replica?.status()).toMatchObject({
        receivedSize: head.size,
        verifiedSize: head.size,
        root: head.rootHex,
        halted: null,
      });
      expect(seenBeforeKill.size).toBeLessThan(head.size);
      // The restarted B serves the same log, to the same size and root.
      const b2 = restarted as ControlPlaneProcess | null;
      expect(b2?.verifierKeys).toEqual(a.verifierKeys);
      const deadline = Date.now() + 20_000;
      for (;;) {
        const headB = await serverHead(b2?.url ?? '', vera);
        if (headB.size === head.size) {
          expect(headB.rootHex).toBe(head.rootHex);
          break;
        }
        if (Date.now() > deadline) throw new Error(`restarted B stayed at ${headB.size} of ${head.size}`);
        await new Promise((r) => setTimeout(r, 100));
      }

      // Every entry once, in one chain; every action exactly once, whichever instance (or the resend) applied it.
      const stored = replica?.entries(0, head.size) ?? [];
      expect(stored.map((e) => e.idx)).toEqual(Array.from({ length: head.size }, (_, i) => i));
      const leaves = stored.map((e) => JSON.parse(e.text) as { action: string; reason: string; refs: object });
      const count = (pred: (l: (typeof leaves)[number]) => boolean): number => leaves.filter(pred).length;
      for (let i = 0; i < ACTIONS; i++)
        expect(
          count((l) => l.reason === `multi change ${i}`),
          `action ${i}`,
        ).toBe(1);
      expect(count((l) => l.action === 'break_glass.used')).toBe(TOKENS);
      for (const id of crs) {
        expect(
          count(
            (l) => l.action === 'schedule.executed' && (l.refs as { change_request?: string }).change_request === id,
          ),
          `schedule of ${id}`,
        ).toBe(1);
      }
      expect(count((l) => l.action === 'schedule.blocked')).toBe(0);

      // One root per size: every stored checkpoint is the tree of the first `size` entries, signed by the log's key.
      const client = new pg.Client({ connectionString: database });
      await client.connect();
      try {
        const cps = (
          await client.query<{ size: string; note: string }>('SELECT size, note FROM checkpoints ORDER BY size')
        ).rows;
        expect(cps.length).toBeGreaterThan(10);
        const trusted = a.verifierKeys.map((k) => parseVerifierKey(sha256, k));
        const range = new CompactRange(sha256);
        let at = 0;
        for (const cp of cps) {
          const size = Number(cp.size);
          while (at < size) range.append(fromHex(stored[at++]?.leafHash ?? ''));
          const verified = verifyCheckpoint(sha256, ed25519Verify, cp.note, { origin: a.origin, trusted });
          expect(verified.size).toBe(size);
          expect(toHex(verified.root), `root at ${size}`).toBe(toHex(range.root()));
        }
      } finally {
        await client.end();
      }
      // The kill landed mid-run: actions were sent to B after it died and went to A instead (a resend A answered
      // from the idempotency table is one whose commit on B outlived B's answer).
      expect(resent).toBeGreaterThan(0);
      expect(replayedOnA).toBeLessThanOrEqual(resent);
    } finally {
      await h.stop();
    }
  }, 180_000);
});
