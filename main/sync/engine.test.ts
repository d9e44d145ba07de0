import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { formatVerifierKey } from '../../shared/ledger/index.ts';
import { ed25519Signer, sha256 } from '../ledger/node-crypto.ts';
import { ProfileStore } from '../profiles/profile-store.ts';
import { fileModeSecretBox } from '../profiles/secret-box.ts';
import { keyFingerprint, offeredKey } from '../profiles/tofu.ts';
import { bindProfile } from './profile-binding.ts';
import { startSync, type SyncHandle, type SyncOptions } from './engine.ts';
import { spawnControlPlane } from './test-support/control-plane-process.ts';
import type { SyncProfile } from './trust-gate.ts';
import {
  FAST_CP,
  changeFlag,
  createFlag,
  dropTemplates,
  pinnedProfile,
  recorder,
  type Recorder,
  replicaAt,
  serve,
  serverHead,
  stateKinds,
  tempDir,
  until,
  type Served,
} from './test-support/fixture.ts';

describe('sync engine against the real control plane', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(() => dropTemplates());

  async function started(entries: number): Promise<Served> {
    const s = await serve(entries);
    cleanups.push(
      () => s.cp.kill(),
      () => rmSync(join(s.dataDir, '..'), { recursive: true, force: true }),
    );
    return s;
  }

  it('catches up to a verified replica, goes live and verifies new entries', async () => {
    const s = await started(3000);
    const dir = tempDir('replica');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const rec = recorder();
    const h: SyncHandle = startSync({
      profile: pinnedProfile(s.cp.url, s.token, s.cp),
      replica: replicaAt(join(dir, 'r.sqlite')),
      log: rec.log,
      heartbeatMs: 300,
      pageSize: 1000,
    });
    rec.attach(h);
    cleanups.push(() => h.stop());
    await until(() => h.state().kind === 'live', 'live');
    const head = await serverHead(s.cp.url, s.token);
    await until(() => h.replica()?.status().verifiedSize === head.size, 'verified to head');
    expect(h.replica()?.status().root).toBe(head.rootHex);
    expect(stateKinds(rec.events['sync:changed']).slice(0, 3)).toEqual(['connecting', 'backfilling', 'live']);
    expect(rec.events['sync:progressed'].at(-1)).toMatchObject({ done: 3000, total: 3000, etaSeconds: 0 });
    expect(rec.logs.filter((l) => l.level !== 'info')).toEqual([]);
    await createFlag(s.cp.url, s.token);
    const idx = await changeFlag(s.cp.url, s.token, 1);
    expect(idx).toBe(3001);
    await until(() => rec.events['ledger:verified'].some((v) => v.verifiedSize === 3002), 'new entries verified');
    expect(h.replica()?.entries(3001, 3002)[0]).toMatchObject({ idx: 3001, verified: true });
  });

  function syncWith(
    s: Served,
    profile: SyncProfile,
    extra: Partial<SyncOptions> = {},
  ): { h: SyncHandle; rec: Recorder } {
    const dir = tempDir('replica');
    const rec = recorder();
    const h = startSync({
      profile,
      replica: replicaAt(join(dir, 'r.sqlite')),
      log: rec.log,
      heartbeatMs: 300,
      ...extra,
    });
    rec.attach(h);
    cleanups.push(
      () => h.stop(),
      () => rmSync(dir, { recursive: true, force: true }),
    );
    return { h, rec };
  }

  it('asks to confirm the first key (TOFU), stores origin and key in the profile, then syncs into its replica', async () => {
    const s = await started(100);
    const dir = tempDir('profiles');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const box = fileModeSecretBox();
    const store = new ProfileStore(dir, box);
    const p = store.add({ name: 'local', url: s.cp.url, environment: 'production', token: s.token });
    const bound = bindProfile(store, p.id, box);
    const h = startSync({ ...bound, heartbeatMs: 300 });
    cleanups.push(() => h.stop());
    await until(() => h.state().kind === 'key-confirmation', 'key prompt');
    const prompt = h.state();
    expect(prompt).toMatchObject({
      kind: 'key-confirmation',
      vkey: s.cp.verifierKeys[0],
      keyName: 'tombstone.local/ledger/k1',
    });
    if (prompt.kind !== 'key-confirmation') return;
    expect(prompt.fingerprint).toBe(keyFingerprint(offeredKey(sha256, prompt.vkey).publicKey));
    expect(h.replica()).toBe(null);
    expect(h.confirmKey('someone-else+00000000+AQ==', true).kind).toBe('key-confirmation');
    h.confirmKey(prompt.vkey, true);
    await until(() => h.replica()?.status().verifiedSize === 100, 'verified');
    expect(store.get(p.id)).toMatchObject({
      origin: 'tombstone.local/ledger',
      keys: [{ vkey: s.cp.verifierKeys[0], source: 'tofu' }],
    });
    expect(existsSync(store.replicaPath(p.id))).toBe(true);
    expect(readFileSync(`${store.replicaPath(p.id)}.hwm`, 'utf8').startsWith('tsc-file-v1:')).toBe(true);
  });

  it('halts with E_KEY_REJECTED when the user rejects the key', async () => {
    const s = await started(100);
    const { h } = syncWith(s, { url: s.cp.url, token: s.token, origin: null, keys: [] });
    await until(() => h.state().kind === 'key-confirmation', 'key prompt');
    const prompt = h.state();
    if (prompt.kind === 'key-confirmation') h.confirmKey(prompt.vkey, false);
    await until(() => h.state().kind === 'halted', 'halted');
    expect(h.state()).toMatchObject({ kind: 'halted', code: 'E_KEY_REJECTED' });
  });

  it('a changed key is an alert and a halt, never a second prompt', async () => {
    const s = await started(100);
    const other = formatVerifierKey(
      sha256,
      'tombstone.local/ledger/k1',
      ed25519Signer('x', new Uint8Array(32).fill(9)).publicKey,
    );
    const profile = {
      ...pinnedProfile(s.cp.url, s.token, s.cp),
      keys: [{ vkey: other, validFromSize: null, validUntilSize: null, confirmedAt: 'x', source: 'tofu' as const }],
    };
    const { h, rec } = syncWith(s, profile);
    await until(() => h.state().kind === 'halted', 'halted');
    expect(h.state()).toMatchObject({ kind: 'halted', code: 'E_KEY_CHANGED' });
    expect(rec.events['ledger:alerted']).toMatchObject([{ kind: 'KEY_CHANGED', code: 'E_KEY_CHANGED' }]);
    expect(stateKinds(rec.events['sync:changed'])).not.toContain('key-confirmation');
  });

  it('a trusted key no longer valid at the server size is a key change (alert + halt), not a retry loop', async () => {
    const s = await started(100);
    const pinned = pinnedProfile(s.cp.url, s.token, s.cp);
    const { h, rec } = syncWith(s, { ...pinned, keys: pinned.keys.map((k) => ({ ...k, validUntilSize: 10 })) });
    await until(() => h.state().kind === 'halted', 'halted');
    expect(h.state()).toMatchObject({ kind: 'halted', code: 'E_KEY_CHANGED' });
    expect(rec.events['ledger:alerted']).toMatchObject([{ kind: 'KEY_CHANGED', code: 'NO_TRUSTED_SIGNATURE' }]);
    expect(h.replica()?.status().verifiedSize).toBe(0);
  });

  it('halts with E_AUTH on a refused token', async () => {
    const s = await started(100);
    const { h } = syncWith(s, { ...pinnedProfile(s.cp.url, 'tsk_wrong', s.cp) });
    await until(() => h.state().kind === 'halted', 'halted');
    expect(h.state()).toMatchObject({ kind: 'halted', code: 'E_AUTH' });
  });

  it('goes reconnecting → offline (replica readable, as-of time) when the control plane dies, and back to live', async () => {
    const s = await started(100);
    const { h, rec } = syncWith(s, pinnedProfile(s.cp.url, s.token, s.cp), {
      backoff: { baseMs: 50, capMs: 200, maxServerRetryMs: 1000 },
      offlineAfterAttempts: 2,
    });
    await until(() => h.state().kind === 'live' && h.replica()?.status().verifiedSize === 100, 'live');
    await s.cp.kill();
    await until(() => h.state().kind === 'offline', 'offline');
    const offline = h.state();
    expect(offline).toMatchObject({ kind: 'offline', url: s.cp.url });
    expect(
      offline.kind === 'offline' && offline.replicaAsOf !== null && Date.parse(offline.replicaAsOf) <= Date.now(),
    ).toBe(true);
    const kinds = stateKinds(rec.events['sync:changed']);
    expect(kinds.slice(0, 4)).toEqual(['connecting', 'backfilling', 'live', 'reconnecting']);
    // Retries go on while offline, so under load more rounds may follow before this line runs: look at the first one.
    const firstOffline = kinds.indexOf('offline');
    expect(kinds.slice(firstOffline - 2, firstOffline + 1)).toEqual(['reconnecting', 'connecting', 'offline']);
    expect(kinds.slice(3, firstOffline).filter((k) => k === 'reconnecting')).toHaveLength(2);
    expect(h.replica()?.status()).toMatchObject({ verifiedSize: 100, receivedSize: 100 });
    s.cp = await spawnControlPlane({ dataDir: s.dataDir, args: FAST_CP, port: s.cp.port });
    await until(() => h.state().kind === 'live', 'live again');
    await createFlag(s.cp.url, s.token);
    await until(() => h.replica()?.status().verifiedSize === 101, 'verified after restart');
  });
});
