/**
 * The control plane is SIGKILLed and restarted (same data dir, same port) again and again while the engine syncs:
 * each kill lands mid-backfill (after the replica grew by a stride since the last restart). The final replica root
 * equals the server's and every idx is present exactly once. Scaled for the suite; TOMBSTONE_SOAK=1 runs the full
 * 100k entries / 20 kills of issue 6.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSync } from './engine.ts';
import { spawnControlPlane } from './test-support/control-plane-process.ts';
import {
  FAST_CP,
  dropTemplates,
  pinnedProfile,
  recorder,
  replicaAt,
  serve,
  serverHead,
  tempDir,
  until,
} from './test-support/fixture.ts';

const SOAK = process.env['TOMBSTONE_SOAK'] === '1';
const ENTRIES = SOAK ? 100_000 : 20_000;
const KILLS = SOAK ? 20 : 8;
const STRIDE = Math.floor(ENTRIES / (KILLS + 4));

/**
 * Entries kept back for each kill still to come. The sync keeps receiving what the server already wrote into the socket
 * while a kill lands: 400-1,100 entries per kill measured here, more on a busy machine.
 */
const RESERVE = 1_500;

/**
 * How far the replica must grow before kill k (0-based): a stride, but never so far that the kills still to come lack
 * their reserve, so the last kill still lands mid-backfill when the sync ran ahead of the earlier ones.
 */
function strideBefore(k: number, received: number): number {
  const left = KILLS - k;
  return Math.max(0, Math.min(STRIDE, Math.floor((ENTRIES - received - RESERVE * left) / left)));
}

describe('control plane killed and restarted during a sync', () => {
  afterAll(() => dropTemplates());

  it(
    `converges after ${KILLS} SIGKILLs of the control plane during a ${ENTRIES}-entry sync`,
    async () => {
      const s = await serve(ENTRIES, FAST_CP);
      const dir = tempDir('restart');
      const rec = recorder();
      const h = startSync({
        profile: pinnedProfile(s.cp.url, s.token, s.cp),
        replica: replicaAt(join(dir, 'r.sqlite')),
        log: rec.log,
        heartbeatMs: 300,
        backoff: { baseMs: 20, capMs: 150, maxServerRetryMs: 1000 },
        pageSize: 200,
        concurrency: 2,
      });
      rec.attach(h);
      const started = Date.now();
      try {
        const atKill: number[] = [];
        for (let k = 0; k < KILLS; k++) {
          const from = h.replica()?.status().receivedSize ?? 0;
          const stride = strideBefore(k, from);
          await until(
            () => (h.replica()?.status().receivedSize ?? 0) >= from + stride,
            `progress before kill ${k + 1} (${from} received, ${stride} more wanted, kills at ${atKill.join(',')})`,
            60_000,
          );
          await s.cp.kill('SIGKILL');
          atKill.push(h.replica()?.status().receivedSize ?? 0);
          s.cp = await spawnControlPlane({ dataDir: s.dataDir, args: FAST_CP, port: s.cp.port });
        }
        expect(Math.max(...atKill), `kills at ${atKill.join(',')}`).toBeLessThan(ENTRIES);
        const head = await serverHead(s.cp.url, s.token);
        expect(head.size).toBe(ENTRIES);
        await until(() => h.replica()?.status().verifiedSize === ENTRIES, 'verified', 120_000);
        const replica = h.replica();
        expect(replica?.status()).toMatchObject({
          verifiedSize: ENTRIES,
          receivedSize: ENTRIES,
          root: head.rootHex,
          halted: null,
          heldCount: 0,
        });
        let expected = 0;
        for (let start = 0; start < ENTRIES; start += 10_000) {
          for (const e of replica?.entries(start, start + 10_000) ?? []) expect(e.idx).toBe(expected++);
        }
        expect(expected).toBe(ENTRIES);
        expect(rec.logs.filter((l) => l.level === 'error')).toEqual([]);
        if (SOAK)
          process.stdout.write(
            `soak: ${ENTRIES} entries, ${KILLS} kills at ${atKill.join(',')}, ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
          );
      } finally {
        await h.stop();
        await s.cp.kill();
        rmSync(dir, { recursive: true, force: true });
        rmSync(join(s.dataDir, '..'), { recursive: true, force: true });
      }
    },
    SOAK ? 900_000 : 120_000,
  );
});
