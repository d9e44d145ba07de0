/**
 * The Unleash mirror in follow mode against a real Unleash behind a switchable loopback proxy: it goes live, seals new
 * changes as they come, goes offline while Unleash is down (the replica stays readable and verified) and catches up
 * when it is back; a server answering garbage halts it with E_UNLEASH_PROTOCOL; a mirror killed between appending a
 * batch and committing its bookkeeping finishes that batch when reopened.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncState } from '../../../shared/ipc/contract.ts';
import { startSwitchProxy, type SwitchProxy } from '../../../test-support/switch-proxy.ts';
import { Replica } from '../../ledger/replica.ts';
import { verifyReplicaFile } from '../../ledger/verify-run.ts';
import { startUnleashSync, unleashSyncOnce, type UnleashSyncHandle } from './engine.ts';
import { initialState, mapEvents } from './poller.ts';
import { SealedReplica, unleashOrigin } from './sealed-replica.ts';
import { fileSealKeyStore, sealSigner, sealTrustedKey } from './seal-key.ts';
import { freshCursor, nextEvents } from './tail.ts';
import { connectTestUnleash, uniqueFlag, type TestUnleash } from './test-support/unleash.ts';

let u: TestUnleash;
let proxy: SwitchProxy;
let dir: string;
beforeAll(async () => {
  u = connectTestUnleash();
  proxy = await startSwitchProxy(u.ctx.url);
  dir = mkdtempSync(join(tmpdir(), 'unleash-engine-'));
});
afterAll(async () => {
  await proxy?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(get: () => T, ok: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  while (!ok(get()) && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  return get();
}

function follow(db: string, url: string): UnleashSyncHandle {
  const signer = sealSigner(fileSealKeyStore(`${db}.key`), true);
  return startUnleashSync({
    url,
    token: u.ctx.adminToken,
    replica: (init) => Replica.open({ path: db, ...init }),
    signer,
    intervalMs: 100,
    backoff: { baseMs: 20, capMs: 80, maxServerRetryMs: 1000 },
    offlineAfterAttempts: 2,
    timeoutMs: 2000,
  });
}

function flagLeaves(h: UnleashSyncHandle, flag: string): { env: string | null; after: unknown }[] {
  const r = h.replica()!;
  return r
    .entries(0, r.receivedSize())
    .map((e) => JSON.parse(e.text) as { flag: string | null; env: string | null; after: unknown })
    .filter((l) => l.flag === flag);
}

describe('the Unleash mirror in follow mode', () => {
  it('goes live, seals changes as they come, goes offline while Unleash is down and catches up after', async () => {
    proxy.mode = 'forward';
    const db = join(dir, 'follow.sqlite');
    const flag = uniqueFlag('engine.follow');
    await u.admin.createFlag(flag);
    const h = follow(db, proxy.url);
    const states: SyncState[] = [];
    h.events.on('sync:changed', (s) => states.push(s));
    try {
      expect(
        (
          await until(
            () => h.state(),
            (s) => s.kind === 'live',
            15_000,
          )
        ).kind,
      ).toBe('live');
      expect(flagLeaves(h, flag)).toHaveLength(1);
      await u.admin.setEnabled(flag, 'production', true);
      await until(
        () => flagLeaves(h, flag).length,
        (n) => n >= 3,
        5000,
      );
      expect(flagLeaves(h, flag).pop()).toMatchObject({ env: 'production', after: { enabled: true } });
      const status = h.replica()!.status();
      expect(status.verifiedSize).toBe(status.receivedSize);

      proxy.mode = 'refuse';
      const offline = await until(
        () => h.state(),
        (s) => s.kind === 'offline',
        10_000,
      );
      expect(offline).toMatchObject({ kind: 'offline', url: proxy.url, replicaAsOf: expect.any(String) });
      expect((offline as { reason: string }).reason).toMatch(/^E_UNLEASH_UNREACHABLE: /);
      expect(states.some((s) => s.kind === 'reconnecting')).toBe(true);
      // Offline, everything mirrored so far is still there and verifies.
      expect(flagLeaves(h, flag)).toHaveLength(3);
      await u.admin.setEnabled(flag, 'production', false);

      proxy.mode = 'forward';
      await until(
        () => flagLeaves(h, flag).length,
        (n) => n >= 4,
        10_000,
      );
      expect(
        (
          await until(
            () => h.state(),
            (st) => st.kind === 'live',
            5000,
          )
        ).kind,
      ).toBe('live');
      expect(flagLeaves(h, flag).pop()).toMatchObject({ env: 'production', after: { enabled: false } });
    } finally {
      await h.stop();
      h.replica()?.close();
    }
    const signer = sealSigner(fileSealKeyStore(`${db}.key`), false);
    const report = await verifyReplicaFile(db, { mode: 'deep', trustedKeys: [sealTrustedKey(signer)] });
    expect(report.ok).toBe(true);
  });

  it('a server that answers garbage halts the mirror with E_UNLEASH_PROTOCOL', async () => {
    proxy.mode = 'garbage';
    const h = follow(join(dir, 'garbage.sqlite'), proxy.url);
    try {
      const s = await until(
        () => h.state(),
        (st) => st.kind === 'halted',
        10_000,
      );
      expect(s).toMatchObject({ kind: 'halted', code: 'E_UNLEASH_PROTOCOL' });
    } finally {
      proxy.mode = 'forward';
      await h.stop();
      h.replica()?.close();
    }
  });

  it('stops within a second even while Unleash stalls a request, and a stop between polls does not wait the interval', async () => {
    proxy.mode = 'forward';
    const h = follow(join(dir, 'stop.sqlite'), proxy.url);
    try {
      expect(
        (
          await until(
            () => h.state(),
            (s) => s.kind === 'live',
            15_000,
          )
        ).kind,
      ).toBe('live');
      proxy.mode = 'stall';
      h.pollNow();
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      await h.stop();
      expect(Date.now() - started).toBeLessThan(1000);
      expect(h.state().kind).toBe('idle');
    } finally {
      proxy.mode = 'forward';
      h.replica()?.close();
    }
  });

  it('a batch appended but not committed (a crash in between) is finished when the mirror reopens', async () => {
    const db = join(dir, 'crash.sqlite');
    const keyStore = fileSealKeyStore(`${db}.key`);
    const signer = sealSigner(keyStore, true);
    const first = await unleashSyncOnce({
      url: u.ctx.url,
      token: u.ctx.adminToken,
      replica: (init) => Replica.open({ path: db, ...init }),
      signer,
    });
    expect(first.ok).toBe(true);
    const flag = uniqueFlag('engine.crash');
    await u.admin.createFlag(flag);
    // Replay the first two steps of a seal by hand (record pending, append), then "crash" before the checkpoint.
    const replica = Replica.open({ path: db, origin: unleashOrigin(u.ctx.url), trustedKeys: [] });
    const sealed = await SealedReplica.open(replica, u.ctx.url, signer);
    const pos = sealed.position();
    const step = await nextEvents(u.client, pos.cursor ?? freshCursor(), 200);
    const state = pos.state ?? (await initialState(u.client));
    const mapped = mapEvents(state, step.events);
    expect(mapped.some((m) => m.event.featureName === flag)).toBe(true);
    const before = replica.receivedSize();
    const seal = sealed.seal.bind(sealed);
    // Make the checkpoint step fail once, as a crash would leave it.
    const apply = replica.applyCheckpoint.bind(replica);
    replica.applyCheckpoint = () => Promise.reject(new Error('E_CRASH: simulated'));
    await expect(seal(mapped, step.cursor, state)).rejects.toThrow('E_CRASH');
    replica.applyCheckpoint = apply;
    expect(replica.receivedSize()).toBe(before + mapped.length);
    expect(replica.status().verifiedSize).toBe(before);
    replica.close();

    const again = await unleashSyncOnce({
      url: u.ctx.url,
      token: u.ctx.adminToken,
      replica: (init) => Replica.open({ path: db, ...init }),
      signer,
    });
    expect(again.ok).toBe(true);
    if (!again.ok) return;
    expect(again.verifiedSize).toBe(again.size);
    expect(again.size).toBeGreaterThanOrEqual(before + mapped.length);
    const check = Replica.open({ path: db, origin: unleashOrigin(u.ctx.url), trustedKeys: [] });
    try {
      const ids = check
        .entries(0, check.receivedSize())
        .map((e) => (JSON.parse(e.text) as { refs: Record<string, string> }).refs['unleash_event']);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      check.close();
    }
  });
});
