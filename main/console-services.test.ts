import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatVerifierKey } from '../shared/ledger/index.ts';
import { startConsoleServices, type ConsoleServices } from './console-services.ts';
import { trustedKeyOf } from './ledger/fixtures.ts';
import { plainCodec } from './ledger/high-water-mark.ts';
import { sha256 } from './ledger/node-crypto.ts';
import { Replica } from './ledger/replica.ts';
import { ProfileStore } from './profiles/profile-store.ts';
import { fileModeSecretBox } from './profiles/secret-box.ts';
import { scenario } from './views/test-ledger.ts';

/** A loopback URL where nothing listens, so the console stays offline. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

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

  it('index the replica in the background at launch and rank its incidents without a network', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsc-services-'));
    const log = scenario().log;
    const dataDir = join(dir, 'data');
    const store = new ProfileStore(dataDir, fileModeSecretBox());
    const profile = store.add({ name: 'offline', url: await deadUrl(), environment: 'production', token: 'not-used' });
    store.pinOrigin(profile.id, log.origin);
    for (const s of log.signers) {
      store.trustKey(profile.id, { vkey: formatVerifierKey(sha256, s.name, s.publicKey), validFromSize: null, validUntilSize: null, confirmedAt: '2026-11-25T00:00:00.000Z', source: 'import' });
    }
    const replicaPath = store.replicaPath(profile.id);
    const replica = Replica.open({ path: replicaPath, origin: log.origin, trustedKeys: log.signers.map((s) => trustedKeyOf(s)), highWaterMark: null });
    await replica.appendEntries(log.entries());
    expect((await replica.applyCheckpoint(log.checkpoint())).kind).toBe('promoted');
    replica.close();

    services = startConsoleServices({ mode: 'browser', dataDir, secretBox: fileModeSecretBox(), hwmCodec: plainCodec, bootstrap: null });
    await services.ready;
    // Nobody asked for a ranking yet: the background indexer built the correlation index when the replica opened.
    const peek = new Database(replicaPath, { readonly: true });
    const indexed = (): number => {
      try {
        return (peek.prepare('SELECT indexed_size AS n FROM correlate_state WHERE id = 1').get() as { n: number } | undefined)?.n ?? 0;
      } catch {
        return 0;
      }
    };
    try {
      expect(await until(() => indexed() === log.texts.length, 10_000)).toBe(true);
    } finally {
      peek.close();
    }
    const incidents = await services.registry.invoke('incidents:list', null);
    expect(incidents).toMatchObject({ ok: true });
    expect((incidents as { value: { id: string; status: string }[] }).value.map((i) => [i.id, i.status])).toEqual([['PD-2', 'triggered'], ['PD-1', 'acknowledged']]);
    const ranked = await services.registry.invoke('correlation:rank', { incidentId: 'PD-2' });
    expect(ranked).toMatchObject({ ok: true, value: { incident: { id: 'PD-2', service: 'search-api' } } });
    expect((ranked as { value: { candidates: { flag_key: string }[] } }).value.candidates[0]?.flag_key).toBe('search.rank.v3');
  });
});
