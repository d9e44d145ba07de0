/**
 * The replicas `bench:ui` opens: `n` verified entries (scripts/bench-leaves.ts payloads: 1,000 flag definitions,
 * then env changes, kills, rollbacks, change requests and incidents, the last three incidents left active), ingested
 * through Replica.appendEntries and promoted by a signed checkpoint every 50,000 entries, then indexed by the read
 * models and the correlation index the way the console's background indexer leaves a replica it synced. Built once
 * per size and cached in the temp dir with its high-water mark; each run copies the cache into a fresh console data
 * dir.
 *
 * Timestamps are one entry every `spacingS` seconds ending on 2026-11-01 (bench-leaves' own 1 s spacing packs ~1,800
 * changes into an incident's 30-minute window; 30 s gives ~60, and a million entries span ~347 days, like a year of
 * a busy ledger). The window's change count drives the timeline chart's cost, not the replica's size.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CompactRange,
  buildLeafText,
  formatVerifierKey,
  signCheckpoint,
  toHex,
  type LedgerLeaf,
} from '../../shared/ledger/index.ts';
import { fleetEvent, instance } from '../../main/fleet/test-support/fleet-test-data.ts';
import { LeafHasher } from '../../main/ledger/fast-hash.ts';
import { testSigner, trustedKeyOf } from '../../main/ledger/test-support/fixtures.ts';
import { sha256 } from '../../main/ledger/node-crypto.ts';
import { Replica } from '../../main/ledger/replica.ts';
import { ProfileStore } from '../../main/profiles/profile-store.ts';
import { fileModeSecretBox } from '../../main/profiles/secret-box.ts';
import { benchLeaf } from '../bench-leaves.ts';
import { catchUpIndex } from '../../main/correlate/index-catchup.ts';
import { deadLoopbackUrl } from '../../main/sync/test-support/dead-url.ts';
import { catchUpReadModels, READ_MODEL_SCHEMA_VERSION } from '../../main/read-models/index.ts';

/** The ledger origin of every bench replica. */
export const BENCH_ORIGIN = 'bench.example/ui-ledger';
const signer = testSigner(BENCH_ORIGIN);
const BATCH = 10_000;
const CHECKPOINT_EVERY = 50_000;
/** Bumped whenever the generated content changes, so an old cache is rebuilt instead of reused. */
const CACHE_VERSION = 'bench-ui-v4'; // v4: 64 KiB pages, as new replica files get
const END_MS = Date.UTC(2026, 10, 1);
/** Incidents (one per 100 entries, at idx % 100 === 85) whose resolution is replaced by an acknowledgement. */
const ACTIVE_INCIDENTS = 3;

/** The leaf at idx: bench-leaves' mix re-timed, except that the newest incidents stay active (acknowledged, not resolved). */
function leafAt(idx: number, n: number, spacingS: number, prev: string): string {
  const payload = benchLeaf(idx);
  const ts = new Date(END_MS - (n - idx) * spacingS * 1000).toISOString();
  const lastTrigger = Math.floor((n - 1 - 85) / 100) * 100 + 85;
  const stillActive = payload.action === 'incident.resolved' && idx - 1 > lastTrigger - ACTIVE_INCIDENTS * 100;
  const after =
    payload.action === 'incident.triggered' &&
    typeof payload.after === 'object' &&
    payload.after !== null &&
    !Array.isArray(payload.after)
      ? { ...payload.after, triggered_at: ts }
      : payload.after;
  const action = stillActive ? 'incident.acknowledged' : payload.action;
  const leaf: LedgerLeaf = { ...payload, ts, after, action, v: 1, log: BENCH_ORIGIN, idx, prev };
  return buildLeafText(leaf);
}

/** Ingests n entries with a checkpoint every CHECKPOINT_EVERY (and at n), then indexes the read models. */
async function build(path: string, n: number, spacingS: number): Promise<void> {
  const replica = Replica.open({ path, origin: BENCH_ORIGIN, trustedKeys: [trustedKeyOf(signer)] });
  try {
    const hasher = new LeafHasher();
    const range = new CompactRange(sha256);
    let prev = '';
    for (let start = 0; start < n; start += BATCH) {
      const entries: { idx: number; leaf: string }[] = [];
      for (let idx = start; idx < Math.min(n, start + BATCH); idx++) {
        const leaf = leafAt(idx, n, spacingS, prev);
        const h = hasher.hash(Buffer.from(leaf, 'utf8'));
        range.append(h);
        prev = toHex(h);
        entries.push({ idx, leaf });
      }
      const r = await replica.appendEntries(entries);
      if (r.rejected !== null || r.appended !== entries.length)
        throw new Error(`bench replica: ingest refused ${JSON.stringify(r.rejected)}`);
      const end = start + entries.length;
      if (end % CHECKPOINT_EVERY !== 0 && end !== n) continue;
      const out = await replica.applyCheckpoint(
        signCheckpoint(sha256, { origin: BENCH_ORIGIN, size: end, root: range.root() }, [signer]),
      );
      if (out.kind !== 'promoted') throw new Error(`bench replica: checkpoint at ${end} was ${out.kind}`);
    }
    if (replica.status().verifiedSize !== n) throw new Error('bench replica: not fully verified');
    const views = catchUpReadModels(replica.db);
    if (!views.complete || views.indexedSize !== n)
      throw new Error(`bench replica: views indexed ${views.indexedSize} of ${n}`);
    const correlation = catchUpIndex(replica.db, 50_000);
    if (!correlation.complete)
      throw new Error(`bench replica: correlation index covers ${correlation.indexedSize} of ${n}`);
    replica.db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    replica.close();
  }
}

/** A cached replica file (with `<file>.hwm`) of n entries `spacingS` apart; builds it first when missing or from an older generator. */
export async function cachedReplica(
  n: number,
  spacingS: number,
  log: (line: string) => void,
): Promise<{ file: string; builtSeconds: number | null }> {
  // The generator's version is part of the folder name, so checkouts of different versions never rebuild each other's.
  const dir = join(
    process.env['BENCH_UI_CACHE_DIR'] ?? tmpdir(),
    `tombstone-bench-ui-${n}-${spacingS}s-${CACHE_VERSION}`,
  );
  const file = join(dir, 'replica.sqlite');
  const stamp = join(dir, '.complete');
  // The stamp also names the read models' schema: a console with newer ones migrates them once, as a user's console
  // would after an upgrade; measuring that migration at every start would time the upgrade, not the start.
  const current = `${CACHE_VERSION} views ${READ_MODEL_SCHEMA_VERSION}`;
  if (existsSync(stamp) && existsSync(`${file}.hwm`)) {
    const was = readFileSync(stamp, 'utf8');
    if (was === current) return { file, builtSeconds: null };
    if (was.split(' ')[0] === CACHE_VERSION) {
      log(`migrating the cached replica's read models to version ${READ_MODEL_SCHEMA_VERSION} (once)…`);
      const t0 = performance.now();
      const replica = Replica.open({ path: file, origin: BENCH_ORIGIN, trustedKeys: [trustedKeyOf(signer)] });
      try {
        if (!catchUpReadModels(replica.db).complete) throw new Error('bench replica: read models did not catch up');
      } finally {
        replica.close();
      }
      writeFileSync(stamp, current);
      return { file, builtSeconds: (performance.now() - t0) / 1000 };
    }
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`building a ${n.toLocaleString('en-US')}-entry replica in ${dir} (cached for later runs)…`);
  const t0 = performance.now();
  await build(file, n, spacingS);
  writeFileSync(stamp, current);
  return { file, builtSeconds: (performance.now() - t0) / 1000 };
}

/** A loopback URL where nothing listens, so the console goes offline at once. */
export const deadUrl = deadLoopbackUrl;

/**
 * A console data dir whose only profile mirrors `replicaFile` (copied with its high-water mark): origin pinned and
 * the bench signing key trusted, pointing at `url` (where nothing listens: the offline, "network down" case).
 */
export function consoleDataDir(dataDir: string, replicaFile: string, url: string): string {
  const store = new ProfileStore(dataDir, fileModeSecretBox());
  const profile = store.add({ name: 'bench (offline)', url, environment: 'production', token: 'bench-token-not-used' });
  store.pinOrigin(profile.id, BENCH_ORIGIN);
  store.trustKey(profile.id, {
    vkey: formatVerifierKey(sha256, signer.name, signer.publicKey),
    validFromSize: null,
    validUntilSize: null,
    confirmedAt: new Date().toISOString(),
    source: 'import',
  });
  writeBenchFleet(store.fleetPath(profile.id));
  const target = store.replicaPath(profile.id);
  copyFileSync(replicaFile, target);
  copyFileSync(`${replicaFile}.hwm`, `${target}.hwm`);
  if (existsSync(`${replicaFile}-wal`)) copyFileSync(`${replicaFile}-wal`, `${target}-wal`);
  return target;
}

/** The trust anchors of the bench replicas (for the separate launch-check measurement). */
export function benchTrustedKeys(): ReturnType<typeof trustedKeyOf>[] {
  return [trustedKeyOf(signer)];
}

/** SDK instances in the fleet snapshot the bench console holds (the scale of `bench:sdk`'s largest fleet). */
export const BENCH_FLEET = 1000;

/**
 * The last fleet snapshot an offline console holds (as its fleet store keeps it): BENCH_FLEET instances over 25
 * services, most on the latest config version, some behind, a few disconnected or on last-known-good.
 */
function writeBenchFleet(path: string): void {
  const latest = 19_970;
  const at = (s: number): string => new Date(END_MS - s * 1000).toISOString();
  const instances = Array.from({ length: BENCH_FLEET }, (_, i) => {
    const state =
      i % 97 === 0 ? 'last_known_good' : i % 41 === 0 ? 'disconnected' : i % 13 === 0 ? 'behind' : 'current';
    return instance(`svc${i % 25}-${Math.floor(i / 25)}`, `service-${i % 25}`, {
      host: `ip-10-2-${Math.floor(i / 250)}-${i % 250}`,
      last_seen: at(state === 'disconnected' ? 600 : 2),
      applied_version: state === 'behind' ? latest - 1 - (i % 3) : latest,
      stale: state === 'last_known_good',
      stale_since: state === 'last_known_good' ? at(900) : null,
      state,
      state_since: at(state === 'current' ? 3600 : 900),
    });
  });
  const snapshot = { ...fleetEvent(instances, { latest_version: latest, generated_at: at(1) }) } as Record<
    string,
    unknown
  >;
  delete snapshot['full'];
  delete snapshot['removed'];
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify({ environments: { production: { snapshot, receivedAt: at(1) } } }));
}
