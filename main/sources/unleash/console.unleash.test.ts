/**
 * The console on a real Unleash, through the same services the window and browser mode use (`--unleash <url>`): the
 * profile mirrors and seals Unleash's event log; the badge says what is proved; the kill switch turns the environment
 * off in Unleash and completes its round trip (sent → applied as a mirrored event → verified by the seal); a rollback
 * puts the previous strategy back; four-eyes says Unleash has none; a replica edited while the console was closed
 * fails its launch check and is never advanced.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ActionReceipt, SyncState, VerificationStatus } from '../../../shared/ipc/contract.ts';
import { startConsoleServices, type ConsoleServices } from '../../console-services.ts';
import { plainCodec } from '../../ledger/high-water-mark.ts';
import { tamper } from '../../ledger/test-support/test-replica.ts';
import { ProfileStore } from '../../profiles/profile-store.ts';
import { fileModeSecretBox } from '../../profiles/secret-box.ts';
import { connectTestUnleash, uniqueFlag, type TestUnleash } from './test-support/unleash.ts';

async function until<T>(get: () => T | Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  let v = await get();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    v = await get();
  }
  return v;
}

let u: TestUnleash;
let dir: string;
let services: ConsoleServices | null = null;

beforeAll(() => {
  u = connectTestUnleash();
  dir = mkdtempSync(join(tmpdir(), 'unleash-console-'));
});
afterEach(async () => {
  await services?.stop();
  services = null;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(dataDir: string, url = u.ctx.url): ConsoleServices {
  return startConsoleServices({
    mode: 'browser',
    dataDir,
    secretBox: fileModeSecretBox(),
    hwmCodec: plainCodec,
    bootstrap: { url, token: u.ctx.adminToken, environment: 'production', trust: [], source: 'unleash' },
    deepCheckDeferMs: 0, // a restarted console checks its mirror at once (no screen is served here)
  });
}

async function value<T>(s: ConsoleServices, channel: string, args: unknown = null): Promise<T> {
  const r = (await s.registry.invoke(channel, args)) as { ok: boolean; value?: T; error?: unknown };
  if (!r.ok) throw new Error(`${channel}: ${JSON.stringify(r.error)}`);
  return r.value as T;
}

async function live(s: ConsoleServices): Promise<SyncState> {
  return until(
    () => value<SyncState>(s, 'sync:state'),
    (st) => st.kind === 'live' || st.kind === 'halted',
    20_000,
  );
}

interface Leaf {
  idx: number;
  flag: string | null;
  env: string | null;
  after: Record<string, unknown> | null;
  refs: Record<string, string>;
}

function leaves(path: string, flag: string): Leaf[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT idx, leaf FROM entries ORDER BY idx').all() as { idx: number; leaf: Buffer }[])
      .map((r) => ({ ...(JSON.parse(r.leaf.toString('utf8')) as Leaf), idx: r.idx }))
      .filter((l) => l.flag === flag);
  } finally {
    db.close();
  }
}

describe('the console on an Unleash (--unleash)', () => {
  it('mirrors and seals, says what is proved, kills and rolls back through Unleash with the round trip', async () => {
    const flag = uniqueFlag('console.kill');
    await u.admin.createFlag(flag);
    await u.admin.setEnabled(flag, 'production', true);
    const [auto] = await u.admin.strategies(flag, 'production');
    const params = (pct: string) => ({ rollout: pct, stickiness: 'default', groupId: flag });
    await u.admin.updateStrategy(flag, 'production', auto!.id, { name: 'flexibleRollout', parameters: params('20') });
    await u.admin.updateStrategy(flag, 'production', auto!.id, { name: 'flexibleRollout', parameters: params('80') });

    const dataDir = join(dir, 'kill');
    services = start(dataDir);
    await services.ready;
    const receipts: ActionReceipt[] = [];
    services.events.subscribe((channel, payload) => {
      if (channel === 'actions:updated') receipts.push(payload as ActionReceipt);
    });
    expect((await live(services)).kind).toBe('live');
    const [profile] = await value<{ id: string; source?: string; url: string }[]>(services, 'profiles:list');
    expect(profile).toMatchObject({ source: 'unleash', url: u.ctx.url });
    // The admin token acts as an admin in Unleash, so the UI offers the actions.
    expect(await value(services, 'identity:get')).toEqual({ name: 'Unleash admin token', role: 'admin' });
    const store = new ProfileStore(dataDir, fileModeSecretBox());
    const replicaPath = store.replicaPath(profile!.id);
    const status = await value<VerificationStatus>(services, 'verify:status');
    expect(status.sealedLocally?.notice).toBe(
      `sealed locally since ${status.sealedLocally?.since} — Unleash's history before that is not provable`,
    );
    expect(status).toMatchObject({ origin: `unleash+${u.ctx.url}`, alert: null, pending: 0 });
    expect(status.verifiedSize).toBe(status.receivedSize);
    // A re-verification the user starts checks the seal with the mirror's own key.
    const finished = new Promise<Record<string, unknown>>((resolve) =>
      services!.events.subscribe((channel, payload) => {
        if (channel === 'verify:finished') resolve(payload as Record<string, unknown>);
      }),
    );
    await value(services, 'verify:run', { mode: 'deep' });
    expect(await finished).toMatchObject({ kind: 'verified', mode: 'deep' });

    // Kill: the environment is turned off in Unleash; its event comes back sealed in the replica.
    const sent = await value<ActionReceipt>(services, 'actions:kill', {
      flag,
      env: 'production',
      reason: 'errors on checkout after the ramp to 80%',
    });
    expect(sent.status).not.toBe('failed');
    const done = await until(
      () => receipts.filter((r) => r.idempotencyKey === sent.idempotencyKey).pop(),
      (r) => r?.status === 'verified',
      15_000,
    );
    expect(done).toMatchObject({ action: 'actions:kill', status: 'verified' });
    expect(done!.verifiedMs).toBeGreaterThanOrEqual(done!.appliedMs!);
    const feature = (await u.admin.call('GET', `/api/admin/projects/default/features/${flag}`)) as {
      environments: { name: string; enabled: boolean }[];
    };
    expect(feature.environments.find((e) => e.name === 'production')?.enabled).toBe(false);
    const killed = leaves(replicaPath, flag).find((l) => l.idx === done!.appliedIdx);
    expect(killed).toMatchObject({
      env: 'production',
      after: { enabled: false },
      refs: { unleash_type: 'feature-environment-disabled' },
    });
    // Killing again: already off, nothing sent.
    expect(
      await services.registry.invoke('actions:kill', { flag, env: 'production', reason: 'again, to be sure' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'E_ALREADY_OFF' },
    });

    // Rollback is compare-and-swap: the ramp to 80 % was followed by the kill, so rolling the ramp back is refused.
    const ramp = leaves(replicaPath, flag)
      .filter((l) => l.refs['unleash_type'] === 'feature-strategy-update')
      .pop()!;
    expect(ramp.after).toMatchObject({ rollout_pct: 80 });
    expect(
      await services.registry.invoke('actions:rollback', { idx: ramp.idx, reason: 'back to the 20% ramp' }),
    ).toMatchObject({ ok: false, error: { code: 'E_ROLLBACK_CONFLICT' } });
    const rollback = async (idx: number, reason: string): Promise<ActionReceipt | undefined> => {
      const sentBack = await value<ActionReceipt>(services!, 'actions:rollback', { idx, reason });
      return until(
        () => receipts.filter((r) => r.idempotencyKey === sentBack.idempotencyKey).pop(),
        (r) => r?.status === 'verified',
        15_000,
      );
    };
    const strategies = async (): Promise<[string, string | undefined][]> =>
      (
        (await u.admin.call(
          'GET',
          `/api/admin/projects/default/features/${flag}/environments/production/strategies`,
        )) as {
          id: string;
          parameters: Record<string, string>;
        }[]
      ).map((s) => [s.id, s.parameters['rollout']]);
    // Undo the kill: the environment is on again at 80 %; then undo the ramp: back to 20 %.
    const unkill = await rollback(done!.appliedIdx!, 'false alarm, the errors came from search');
    expect(unkill).toMatchObject({ action: 'actions:rollback', status: 'verified' });
    expect(leaves(replicaPath, flag).find((l) => l.idx === unkill!.appliedIdx)).toMatchObject({
      after: { enabled: true, rollout_pct: 80 },
    });
    const rolled = await rollback(ramp.idx, 'back to the 20% ramp');
    expect(rolled).toMatchObject({ action: 'actions:rollback', status: 'verified' });
    expect(await strategies()).toEqual([[auto!.id, '20']]);
    expect(leaves(replicaPath, flag).find((l) => l.idx === rolled!.appliedIdx)).toMatchObject({
      after: { rollout_pct: 20, enabled: true },
    });
    // A definition change has no single undo in Unleash's API: refused, with the reason.
    const created = leaves(replicaPath, flag)[0]!;
    expect(
      await services.registry.invoke('actions:rollback', { idx: created.idx, reason: 'undo the creation' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'E_ROLLBACK_NOT_EXPRESSIBLE' },
    });
    // Four-eyes and break glass: Unleash's open-source edition has none; the console says so.
    expect(
      await services.registry.invoke('changeRequests:create', {
        flag,
        env: 'production',
        after: { enabled: true, rollout_pct: 10, variation: 'on', rules: [], prerequisites: [] },
        reason: 'ramp to 10 percent again',
      }),
    ).toMatchObject({ ok: false, error: { code: 'E_UNLEASH_NO_CHANGE_REQUESTS' } });
  });

  it('a replica edited while the console was closed fails its launch check and is never advanced', async () => {
    const flag = uniqueFlag('console.tamper');
    await u.admin.createFlag(flag);
    await u.admin.setEnabled(flag, 'production', true);
    const dataDir = join(dir, 'tamper');
    services = start(dataDir);
    await services.ready;
    expect((await live(services)).kind).toBe('live');
    await services.stop();
    services = null;
    const store = new ProfileStore(dataDir, fileModeSecretBox());
    const replicaPath = store.replicaPath(store.list()[0]!.id);
    const enabled = leaves(replicaPath, flag).find((l) => l.refs['unleash_type'] === 'feature-environment-enabled')!;
    tamper(replicaPath, (db) =>
      db
        .prepare(
          `UPDATE entries SET leaf = CAST(replace(CAST(leaf AS TEXT), '"enabled":true', '"enabled":false') AS BLOB) WHERE idx = ?`,
        )
        .run(enabled.idx),
    );
    const size = (): number => {
      const db = new Database(replicaPath, { readonly: true });
      try {
        return db.prepare('SELECT count(*) FROM entries').pluck().get() as number;
      } finally {
        db.close();
      }
    };
    const before = size();
    await u.admin.setEnabled(flag, 'production', false);
    services = start(dataDir);
    await services.ready;
    expect(await value<VerificationStatus>(services, 'verify:status')).toMatchObject({
      alert: { code: 'LEAF_HASH_MISMATCH', idx: enabled.idx },
    });
    expect(await value<SyncState>(services, 'sync:state')).toMatchObject({
      kind: 'halted',
      code: 'LEAF_HASH_MISMATCH',
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(size()).toBe(before);
  });
});
