import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatVerifierKey } from '../shared/ledger/index.ts';
import { startConsoleServices, type ConsoleServices } from './console-services.ts';
import { trustedKeyOf } from './ledger/test-support/fixtures.ts';
import { fileHighWaterMark, plainCodec } from './ledger/high-water-mark.ts';
import { sha256 } from './ledger/node-crypto.ts';
import { Replica } from './ledger/replica.ts';
import { ProfileStore } from './profiles/profile-store.ts';
import { fileModeSecretBox } from './profiles/secret-box.ts';
import { deadLoopbackUrl } from './sync/test-support/dead-url.ts';
import { scenario } from './read-models/test-support/test-ledger.ts';

/** Polls `check` every 20 ms for at most `ms`. */
async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

describe('console services over a replica opened offline', () => {
  let services: ConsoleServices | null = null;
  let dir = '';
  afterEach(async () => {
    await services?.stop();
    services = null;
    rmSync(dir, { recursive: true, force: true });
  });

  /** A data dir whose one profile (offline, origin pinned, key trusted) has a verified replica of the scenario ledger. */
  async function offlineConsole(): Promise<{
    dataDir: string;
    replicaPath: string;
    log: ReturnType<typeof scenario>['log'];
  }> {
    dir = mkdtempSync(join(tmpdir(), 'tsc-services-'));
    const log = scenario().log;
    const dataDir = join(dir, 'data');
    const store = new ProfileStore(dataDir, fileModeSecretBox());
    const profile = store.add({
      name: 'offline',
      url: await deadLoopbackUrl(),
      environment: 'production',
      token: 'not-used',
    });
    store.pinOrigin(profile.id, log.origin);
    for (const s of log.signers) {
      store.trustKey(profile.id, {
        vkey: formatVerifierKey(sha256, s.name, s.publicKey),
        validFromSize: null,
        validUntilSize: null,
        confirmedAt: '2026-11-25T00:00:00.000Z',
        source: 'import',
      });
    }
    const replicaPath = store.replicaPath(profile.id);
    const replica = Replica.open({
      path: replicaPath,
      origin: log.origin,
      trustedKeys: log.signers.map((s) => trustedKeyOf(s)),
      highWaterMark: fileHighWaterMark(`${replicaPath}.hwm`, plainCodec),
    });
    await replica.appendEntries(log.entries());
    expect((await replica.applyCheckpoint(log.checkpoint())).kind).toBe('promoted');
    replica.close();
    return { dataDir, replicaPath, log };
  }

  const start = (dataDir: string, deepCheckDeferMs = 0): ConsoleServices =>
    startConsoleServices({
      mode: 'browser',
      dataDir,
      secretBox: fileModeSecretBox(),
      hwmCodec: plainCodec,
      bootstrap: null,
      deepCheckDeferMs,
    });

  it('index the replica in the background at launch and rank its incidents without a network', async () => {
    const { dataDir, replicaPath, log } = await offlineConsole();
    services = start(dataDir);
    const indexedEvents: number[] = [];
    services.events.subscribe((channel, payload) => {
      if (channel === 'ledger:indexed') indexedEvents.push((payload as { indexedSize: number }).indexedSize);
    });
    await services.ready;
    // Nobody asked for a ranking yet: the background indexer built the correlation index when the replica opened.
    const peek = new Database(replicaPath, { readonly: true });
    const indexed = (): number => {
      try {
        return (
          (
            peek.prepare('SELECT indexed_size AS n FROM correlate_state WHERE id = 1').get() as
              { n: number } | undefined
          )?.n ?? 0
        );
      } catch {
        return 0;
      }
    };
    try {
      expect(await until(() => indexed() === log.texts.length, 10_000)).toBe(true);
    } finally {
      peek.close();
    }
    // The end of the run is announced, and restated to an event stream that connects later.
    expect(await until(() => indexedEvents.includes(log.texts.length), 5_000)).toBe(true);
    expect(services.currentState()).toContainEqual(['ledger:indexed', { indexedSize: log.texts.length }]);
    const incidents = await services.registry.invoke('incidents:list', { resolvedLimit: 50 });
    expect(incidents).toMatchObject({ ok: true, value: { resolvedTotal: 0 } });
    const listed = (incidents as { value: { incidents: { id: string; status: string }[] } }).value.incidents;
    expect(listed.map((i) => [i.id, i.status])).toEqual([
      ['PD-2', 'triggered'],
      ['PD-1', 'acknowledged'],
    ]);
    const ranked = await services.registry.invoke('correlation:rank', { incidentId: 'PD-2' });
    expect(ranked).toMatchObject({ ok: true, value: { incident: { id: 'PD-2', service: 'search-api' } } });
    expect((ranked as { value: { candidates: { flag_key: string }[] } }).value.candidates[0]?.flag_key).toBe(
      'search.rank.v3',
    );
  });

  it('run the deep check after launch in the background once the first screen was served: progress, then verified; nothing is verified before', async () => {
    const { dataDir } = await offlineConsole();
    services = start(dataDir, 60_000);
    const seen: [string, unknown][] = [];
    services.events.subscribe((channel, payload) => seen.push([channel, payload]));
    await services.ready;
    const finished = (): boolean => seen.some(([c]) => c === 'verify:finished');
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The check waits for the first screen (here: the ranking of the active incident) so as not to slow it down.
    expect(seen.filter(([c]) => c.startsWith('verify:'))).toEqual([
      ['verify:progressed', { runId: 'launch-check', done: 0, total: 19 }],
    ]);
    expect(await services.registry.invoke('incidents:list', { resolvedLimit: 50 })).toMatchObject({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(finished()).toBe(false); // incidents are active: the ranking follows and is part of the first screen
    expect(await services.registry.invoke('correlation:rank', { incidentId: 'PD-2' })).toMatchObject({ ok: true });
    for (let i = 0; i < 500 && !finished(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const launch = seen.filter(([c]) => c.startsWith('verify:'));
    expect(launch[0]).toEqual(['verify:progressed', { runId: 'launch-check', done: 0, total: 19 }]);
    expect(launch.at(-2)).toEqual(['verify:progressed', { runId: 'launch-check', done: 19, total: 19 }]);
    expect(launch.at(-1)).toEqual([
      'verify:finished',
      expect.objectContaining({ runId: 'launch-check', kind: 'verified', size: 19, mode: 'deep' }),
    ]);
    expect(seen.some(([c]) => c === 'ledger:alerted')).toBe(false);
    expect(await services.registry.invoke('verify:status', null)).toMatchObject({
      ok: true,
      value: { verifiedSize: 19, alert: null, deepCheck: null },
    });
  });

  it('set a replica that failed its launch check aside with the evidence and the reason, and start over empty', async () => {
    const { dataDir, replicaPath } = await offlineConsole();
    const edit = new Database(replicaPath);
    for (const name of edit
      .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'entries'")
      .pluck()
      .all())
      edit.exec(`DROP TRIGGER "${String(name)}"`);
    edit
      .prepare(
        'UPDATE entries SET leaf = CAST(replace(CAST(leaf AS TEXT), \'"actor"\', \'"actoR"\') AS BLOB) WHERE idx = 5',
      )
      .run();
    edit.close();
    services = start(dataDir);
    const seen: [string, unknown][] = [];
    services.events.subscribe((channel, payload) => seen.push([channel, payload]));
    await services.ready;
    // The cheap check before serving does not read entry 5 (below the previous checkpoint): the deep check in the
    // background finds it, halts sync and raises the same alert a launch check raised before.
    const alerted = async (): Promise<boolean> => {
      const s = await services!.registry.invoke('verify:status', null);
      return s.ok && (s.value as { alert: unknown }).alert !== null;
    };
    for (let i = 0; i < 500 && !(await alerted()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const before = await services.registry.invoke('verify:status', null);
    expect(before).toMatchObject({
      ok: true,
      value: { verifiedSize: 19, alert: { code: 'MALFORMED_LEAF', idx: 5 }, deepCheck: null },
    });
    expect(await services.registry.invoke('sync:state', null)).toMatchObject({
      ok: true,
      value: { kind: 'halted', code: 'MALFORMED_LEAF' },
    });
    expect(seen.filter(([c]) => c.startsWith('verify:') || c === 'ledger:alerted').map(([c, p]) => [c, p])).toEqual([
      ['verify:progressed', { runId: 'launch-check', done: 0, total: 19 }],
      ['ledger:alerted', expect.objectContaining({ code: 'MALFORMED_LEAF', idx: 5 })],
      [
        'verify:finished',
        expect.objectContaining({ runId: 'launch-check', kind: 'failed', code: 'MALFORMED_LEAF', idx: 5 }),
      ],
    ]);
    expect(seen).toContainEqual(['sync:changed', expect.objectContaining({ kind: 'halted', code: 'MALFORMED_LEAF' })]);
    expect(await services.registry.invoke('replica:quarantine', { reason: 'short' })).toMatchObject({
      ok: false,
      error: { code: 'E_INVALID_ARGUMENT' },
    });

    const reason = 'entry 5 edited while the console was closed';
    const res = await services.registry.invoke('replica:quarantine', { reason });
    expect(res).toMatchObject({ ok: true });
    const archivedAs = (res as { value: { archivedAs: string } }).value.archivedAs;
    expect(archivedAs.startsWith(join(dataDir, 'quarantine'))).toBe(true);
    expect(
      readdirSync(join(dataDir, 'quarantine'))
        .map((f) => f.slice(f.lastIndexOf('.sqlite') >= 0 ? f.lastIndexOf('.sqlite') : f.lastIndexOf('.')))
        .sort(),
    ).toEqual(['.json', '.sqlite', '.sqlite.hwm']);
    const note = JSON.parse(readFileSync(archivedAs.replace(/\.sqlite$/, '.json'), 'utf8')) as Record<string, unknown>;
    expect(note).toMatchObject({
      reason,
      verified_size: 19,
      alert: { code: 'MALFORMED_LEAF', idx: 5 },
      replica: archivedAs,
    });
    const kept = new Database(archivedAs, { readonly: true });
    try {
      expect(String(kept.prepare('SELECT CAST(leaf AS TEXT) FROM entries WHERE idx = 5').pluck().get())).toContain(
        '"actoR"',
      );
    } finally {
      kept.close();
    }
    // The profile starts over with an empty replica and no alert, waiting for the control plane to answer.
    expect(await services.registry.invoke('verify:status', null)).toMatchObject({
      ok: true,
      value: { verifiedSize: 0, receivedSize: 0, alert: null },
    });
    // (the sync engine opens the new file at once, since the profile's origin is pinned)
    expect(existsSync(replicaPath)).toBe(true);
    const fresh = new Database(replicaPath, { readonly: true });
    try {
      expect(fresh.prepare('SELECT count(*) FROM entries').pluck().get()).toBe(0);
    } finally {
      fresh.close();
    }
    expect(await services.registry.invoke('replica:quarantine', { reason })).toMatchObject({
      ok: false,
      error: { code: 'E_NOTHING_TO_QUARANTINE' },
    });
  });

  it('say E_REPLICA_EMPTY while a new profile has no replica yet (the UI explains it with its empty state)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsc-services-'));
    const dataDir = join(dir, 'data');
    new ProfileStore(dataDir, fileModeSecretBox()).add({
      name: 'new',
      url: await deadLoopbackUrl(),
      environment: 'production',
      token: 'not-used',
    });
    services = start(dataDir);
    await services.ready;
    expect(await services.registry.invoke('verify:status', null)).toMatchObject({
      ok: false,
      error: { code: 'E_REPLICA_EMPTY' },
    });
    expect(await services.registry.invoke('incidents:list', { resolvedLimit: 50 })).toMatchObject({
      ok: false,
      error: { code: 'E_REPLICA_EMPTY' },
    });
  });
});
