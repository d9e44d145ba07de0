/**
 * Failover between the instance URLs of one control plane, over real TCP: ONE control plane behind two loopback TCP
 * forwarders (two "instances" of the same ledger). The console syncs through A while entries are being written; A's
 * connections are cut and A stops accepting; the sync continues through B, resuming from the replica's size
 * (catch-up from there, then the stream with Last-Event-ID) — no entry lost, none received twice, the replica verifies
 * at the server's root; actions go to B. And the rules stay strict: another ledger behind the next URL (a fork of the
 * same log, same key) is an alert that halts the sync, never accepted.
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SyncState } from '../../shared/ipc/contract.ts';
import { controlPlaneSource } from '../sources/control-plane.ts';
import { spawnControlPlane } from './test-support/control-plane-process.ts';
import {
  FAST_CP,
  changeFlag,
  createFlag,
  dropTemplates,
  pinnedProfile,
  recorder,
  replicaAt,
  serve,
  serverHead,
  tempDir,
  until,
} from './test-support/fixture.ts';
import { startTcpProxy } from './test-support/tcp-proxy.ts';

const ENTRIES = 3000;
const FAST = {
  heartbeatMs: 300,
  backoff: { baseMs: 20, capMs: 200, maxServerRetryMs: 1000 },
  pageSize: 500,
  concurrency: 2,
  offlineAfterAttempts: 2,
};

/** The value of header `name` in a recorded request head, or null. */
function header(head: string, name: string): string | null {
  const m = new RegExp(`\\r\\n${name}: ([^\\r\\n]*)`, 'i').exec(head);
  return m ? (m[1] ?? null) : null;
}

describe('failover between the instance URLs of one control plane', () => {
  afterAll(() => dropTemplates());

  it('continues through the second instance with Last-Event-ID when the first one is cut mid-stream', async () => {
    const s = await serve(ENTRIES);
    const a = await startTcpProxy(s.cp.url);
    const b = await startTcpProxy(s.cp.url);
    const dir = tempDir('failover');
    const rec = recorder();
    const source = controlPlaneSource({
      sync: {
        profile: { ...pinnedProfile(a.url, s.token, s.cp), urls: [a.url, b.url] },
        replica: replicaAt(join(dir, 'r.sqlite')),
        log: rec.log,
        ...FAST,
      },
    });
    const h = source.follow();
    rec.attach(h);
    let writing = true;
    let written = 0;
    try {
      await createFlag(s.cp.url, s.token, 'sync.failover.flag');
      await until(() => h.state().kind === 'live', 'live through A', 30_000);
      expect(h.state()).toMatchObject({ kind: 'live', url: a.url, instance: { position: 1, count: 2 } });
      expect(a.heads.some((x) => x.startsWith('GET /api/v1/ledger/stream'))).toBe(true);
      expect(b.heads).toEqual([]);
      // Writes keep coming (straight to the control plane) while A dies, so entries land before, during and after.
      const writer = (async () => {
        while (writing && written < 400) {
          await changeFlag(s.cp.url, s.token, written, 'sync.failover.flag');
          written++;
        }
      })();
      await until(() => written >= 40, 'writes before the cut');
      const seenBeforeCut = h.replica()?.status().receivedSize ?? 0;
      await a.close(); // mid-stream: every open connection to A is destroyed and A refuses new ones
      await until(() => written >= 120, 'writes after the cut');
      writing = false;
      await writer;
      const head = await serverHead(s.cp.url, s.token);
      expect(head.size).toBe(ENTRIES + 1 + written);
      await until(() => h.replica()?.status().verifiedSize === head.size, 'verified through B', 30_000);
      await until(() => h.state().kind === 'live', 'live through B');

      // The console says where it is and that it failed over (from A, to B, when, why).
      const state = h.state() as Extract<SyncState, { kind: 'live' }>;
      expect(state).toMatchObject({ kind: 'live', url: b.url, instance: { position: 2, count: 2 } });
      expect(state.failover).toMatchObject({ from: a.url, to: b.url });
      expect(Date.parse(state.failover?.at ?? '')).toBeGreaterThan(0);
      expect(rec.events['sync:changed'].some((x) => x.kind === 'offline')).toBe(false);

      // B was first used after the cut, resumed from the replica's size: no backfill below it, and the stream asked
      // to resume after the last entry the replica held (Last-Event-ID = size - 1).
      const bEntries = b.heads.filter((x) => x.startsWith('GET /api/v1/ledger/entries'));
      for (const x of bEntries) expect(Number(/start=(\d+)/.exec(x)?.[1])).toBeGreaterThanOrEqual(seenBeforeCut);
      const bStreams = b.heads.filter((x) => x.startsWith('GET /api/v1/ledger/stream'));
      expect(bStreams.length).toBeGreaterThanOrEqual(1);
      const resumedAfter = Number(header(bStreams[0] ?? '', 'last-event-id'));
      expect(resumedAfter).toBeGreaterThanOrEqual(seenBeforeCut - 1);
      expect(resumedAfter).toBeLessThan(head.size);

      // Zero lost or duplicated entries: the replica holds each index once and verifies at the server's root; its
      // received size only ever grew.
      const replica = h.replica();
      expect(replica?.status()).toMatchObject({
        receivedSize: head.size,
        verifiedSize: head.size,
        root: head.rootHex,
        halted: null,
      });
      let expected = 0;
      for (const e of replica?.entries(0, head.size) ?? []) expect(e.idx).toBe(expected++);
      expect(expected).toBe(head.size);
      const sizes = rec.events['ledger:appended'].map((x) => x.receivedSize);
      for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeGreaterThan(sizes[i - 1] ?? 0);
      expect(rec.events['ledger:alerted']).toEqual([]);

      // Actions go to the instance in use, with their idempotency key.
      const killed = await source.actions.kill('idem-failover-1', {
        flag: 'sync.failover.flag',
        env: 'production',
        reason: 'failover test',
      });
      expect(killed.locator).toMatchObject({ kind: 'idx' });
      const kill = b.heads.find((x) => x.startsWith('POST /api/v1/flags/sync.failover.flag/kill'));
      expect(kill).toBeDefined();
      expect(header(kill ?? '', 'idempotency-key')).toBe('idem-failover-1');

      // Offline only when every instance fails.
      await b.close();
      await until(() => h.state().kind === 'offline', 'offline once both are down', 20_000);
      const kinds = rec.events['sync:changed'].map((x) => x.kind);
      expect(kinds.slice(kinds.lastIndexOf('live') + 1).filter((k) => k === 'reconnecting').length).toBeGreaterThan(0);
      expect(h.state()).toMatchObject({ kind: 'offline', instance: { count: 2 } });
    } finally {
      writing = false;
      await h.stop();
      await a.close();
      await b.close();
      await s.cp.kill();
      rmSync(dir, { recursive: true, force: true });
      rmSync(join(s.dataDir, '..'), { recursive: true, force: true });
    }
  }, 90_000);

  it('sends an action to the instance in use only: a failure there is reported, not resent to another instance', async () => {
    const s = await serve(10);
    const dead = await startTcpProxy(s.cp.url);
    const b = await startTcpProxy(s.cp.url);
    await dead.close();
    try {
      await createFlag(s.cp.url, s.token, 'sync.failover.flag');
      const source = controlPlaneSource({
        sync: {
          profile: { ...pinnedProfile(dead.url, s.token, s.cp), urls: [dead.url, b.url] },
          replica: replicaAt(join(s.dataDir, 'unused.sqlite')),
          ...FAST,
        },
      });
      // Nothing synced yet, so the instance in use is the first one, which is down.
      const err = await source.actions
        .kill('idem-no-resend', { flag: 'sync.failover.flag', env: 'production', reason: 'failover test' })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).toMatchObject({ code: 'E_CONTROL_PLANE_UNREACHABLE' });
      expect(b.heads).toEqual([]);
      const head = await serverHead(s.cp.url, s.token);
      expect(head.size).toBe(11); // the flag's creation only: no kill was applied anywhere
    } finally {
      await b.close();
      await s.cp.kill();
      rmSync(join(s.dataDir, '..'), { recursive: true, force: true });
    }
  }, 60_000);

  it('halts with an alert when the next URL serves another ledger (a fork of the same log and key)', async () => {
    const s = await serve(ENTRIES);
    // A second control plane on a copy of the same data: same origin, same signing key, same first entries.
    await s.cp.kill();
    const forkDir = join(tempDir('fork'), 'cp');
    cpSync(s.dataDir, forkDir, { recursive: true });
    s.cp = await spawnControlPlane({ dataDir: s.dataDir, args: FAST_CP });
    const fork = await spawnControlPlane({ dataDir: forkDir, args: FAST_CP });
    expect(fork.origin).toBe(s.cp.origin);
    expect(fork.verifierKeys).toEqual(s.cp.verifierKeys);
    // From here on they diverge.
    await createFlag(s.cp.url, s.token, 'sync.real.flag');
    await createFlag(fork.url, s.token, 'sync.forged.flag');
    await createFlag(fork.url, s.token, 'sync.forged.other');
    const a = await startTcpProxy(s.cp.url);
    const c = await startTcpProxy(fork.url);
    const dir = tempDir('failover-fork');
    const rec = recorder();
    const source = controlPlaneSource({
      sync: {
        profile: { ...pinnedProfile(a.url, s.token, s.cp), urls: [a.url, c.url] },
        replica: replicaAt(join(dir, 'r.sqlite')),
        log: rec.log,
        ...FAST,
      },
    });
    const h = source.follow();
    rec.attach(h);
    try {
      await until(() => h.state().kind === 'live', 'live through A', 30_000);
      await until(() => h.replica()?.status().verifiedSize === ENTRIES + 1, 'verified through A');
      const before = h.replica()?.status();
      await a.close();
      await until(() => h.state().kind === 'halted', 'halted on the fork', 20_000);
      expect(rec.events['ledger:alerted'].length).toBeGreaterThanOrEqual(1);
      const code = (h.state() as Extract<SyncState, { kind: 'halted' }>).code;
      expect(code).toBe('EQUIVOCATION'); // the fork signed another root at the replica's size
      // Nothing of the other ledger was accepted.
      expect(h.replica()?.status()).toMatchObject({
        receivedSize: before?.receivedSize,
        verifiedSize: before?.verifiedSize,
        root: before?.root,
      });
      expect(c.heads.some((x) => x.startsWith('GET /api/v1/ledger/checkpoint'))).toBe(true);
    } finally {
      await h.stop();
      await a.close();
      await c.close();
      await s.cp.kill();
      await fork.kill();
      rmSync(dir, { recursive: true, force: true });
      rmSync(join(s.dataDir, '..'), { recursive: true, force: true });
      rmSync(join(forkDir, '..'), { recursive: true, force: true });
    }
  }, 90_000);
});
