import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { leafHash, utf8Encode } from '../../shared/ledger/index.ts';
import { foldIncidents } from '../../shared/state/incidents.ts';
import { migrate } from '../ledger/migrations.ts';
import { sha256 } from '../ledger/node-crypto.ts';
import type { Replica } from '../ledger/replica.ts';
import { catchUpReadModels } from './catch-up.ts';
import { queryLedger } from './ledger-query.ts';
import { flagDetail, listChangeRequests, listIncidents } from './lists.ts';
import { READ_MODEL_SCHEMA_VERSION, migrateReadModels, readModelSchemaVersion } from './schema.ts';
import { parseRows, type LeafRow } from './sql.ts';
import { LedgerScript, codeOf, definition, replicaOf, scenario, st } from './test-support/test-ledger.ts';

/** Every incident (no page limit on the resolved ones). */
const ALL_INCIDENTS = { resolvedLimit: Number.MAX_SAFE_INTEGER };

function indexNames(db: Database.Database): string[] {
  return db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'view_entries_%' ORDER BY name")
    .pluck()
    .all() as string[];
}

function insertTexts(db: Database.Database, texts: readonly string[], start: number): void {
  const insert = db.prepare('INSERT INTO entries (idx, leaf, leaf_hash) VALUES (?, ?, ?)');
  texts.forEach((t, i) => insert.run(start + i, Buffer.from(t, 'utf8'), leafHash(sha256, utf8Encode(t))));
}

describe('view index schema', () => {
  it('lives in its own versioned tables and leaves the replica schema version alone', () => {
    const db = new Database(':memory:');
    migrate(db);
    const userVersion = db.pragma('user_version', { simple: true });
    expect([readModelSchemaVersion(db), migrateReadModels(db), migrateReadModels(db)]).toEqual([
      0,
      READ_MODEL_SCHEMA_VERSION,
      READ_MODEL_SCHEMA_VERSION,
    ]);
    expect(db.pragma('user_version', { simple: true })).toBe(userVersion);
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'view%' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual([
      'view_catalog',
      'view_change_requests',
      'view_entries',
      'view_flag_services',
      'view_flags',
      'view_incidents',
      'view_names',
      'view_prerequisites',
      'view_refs',
      'view_schema',
      'view_state',
      'view_subtrees',
    ]);
    db.prepare('UPDATE view_schema SET version = 99 WHERE id = 1').run();
    expect(codeOf(() => migrateReadModels(db))).toBe('E_VIEWS_TOO_NEW');
  });

  it('refuses a database that is not a replica', () => {
    expect(codeOf(() => catchUpReadModels(new Database(':memory:')))).toBe('E_REPLICA');
  });
});

const all = { filter: {}, offset: 0, limit: 100, order: 'asc' as const };

describe('catchUpReadModels', () => {
  let replica: Replica | null = null;
  afterEach(() => replica?.close());

  it('indexes incrementally within a budget and resumes where it stopped', async () => {
    replica = await replicaOf(scenario().log, 12);
    const db = replica.db;
    expect(catchUpReadModels(db, 0, { batch: 5 })).toEqual({
      indexedSize: 5,
      added: 5,
      rewound: false,
      complete: false,
    });
    expect(catchUpReadModels(db, 0, { batch: 5 })).toEqual({
      indexedSize: 10,
      added: 5,
      rewound: false,
      complete: false,
    });
    expect(catchUpReadModels(db)).toEqual({ indexedSize: 19, added: 9, rewound: false, complete: true });
    expect(catchUpReadModels(db)).toEqual({ indexedSize: 19, added: 0, rewound: false, complete: true });
  });

  it('lets every read index what is new first, so a fresh replica answers at once', async () => {
    replica = await replicaOf(scenario().log, 12);
    expect(queryLedger(replica.db, all).total).toBe(19);
  });

  it('bulk loads a large backlog without filter indexes, and creates them once complete', async () => {
    replica = await replicaOf(scenario().log, 12);
    const db = replica.db;
    expect(indexNames(db)).toEqual([]);
    expect(catchUpReadModels(db, 0, { batch: 4, bulkBacklog: 10 }).complete).toBe(false);
    expect(indexNames(db)).toEqual([]);
    expect(catchUpReadModels(db, Infinity, { bulkBacklog: 10 }).complete).toBe(true);
    expect(indexNames(db)).toEqual(['view_entries_action', 'view_entries_actor', 'view_entries_flag']);
    expect(queryLedger(db, { ...all, filter: { actor: 'carol' } }).rows.map((r) => r.idx)).toEqual([8, 14]);
  });

  it('gives an unreadable leaf a placeholder row, so positions stay idx', () => {
    const db = new Database(':memory:');
    migrate(db);
    db.prepare(
      `INSERT INTO verification_state (id, origin, verified_size, root, peaks, updated_at) VALUES (1, 'o', 0, ?, x'', 0)`,
    ).run(Buffer.alloc(32));
    const texts = scenario().log.texts.slice(0, 4);
    insertTexts(db, [texts[0]!, texts[1]!, '{"not":"a leaf"}', texts[3]!], 0);
    expect(catchUpReadModels(db)).toMatchObject({ indexedSize: 4, complete: true });
    const page = queryLedger(db, all);
    expect(page.rows.map((r) => [r.idx, r.action])).toEqual([
      [0, 'flag.created'],
      [1, 'flag.created'],
      [2, 'unreadable.entry'],
      [3, 'flag.updated'],
    ]);
    expect(page.rows[2]).toMatchObject({
      actor: '(unreadable)',
      summary: 'this entry cannot be read as a ledger leaf; run a full verification',
      verified: false,
      flag: null,
    });
    expect(queryLedger(db, { ...all, filter: { changesOnly: true } }).rows.map((r) => r.idx)).toEqual([3]);
  });

  it('rewinds to the verified boundary when the unverified tail is rewritten, rebuilding what it touched', async () => {
    const original = scenario();
    replica = await replicaOf(original.log, 12);
    const db = replica.db;
    catchUpReadModels(db);
    expect(queryLedger(db, { ...all, filter: { team: 'payments' } }).total).toBe(8);
    const before = listIncidents(db, ALL_INCIDENTS).incidents.map((i) => [i.id, i.status]);
    // The replica drops its unverified tail (idx ≥ 12) and receives another history (a fork resolved by refetch).
    const fork = new LedgerScript();
    for (const text of original.log.texts.slice(0, 12)) fork.log.push(text);
    const tail = forkTail(fork);
    db.prepare('DELETE FROM entries WHERE idx >= 12').run();
    insertTexts(db, tail, 12);
    expect(catchUpReadModels(db)).toEqual({ indexedSize: 15, added: 3, rewound: true, complete: true });
    expect(queryLedger(db, all).total).toBe(15);
    expect(queryLedger(db, { ...all, filter: { changesOnly: true } }).rows.map((r) => r.idx)).toEqual([2, 3, 7, 8]);
    expect(listChangeRequests(db, 'REJECTED').map((c) => c.id)).toEqual(['cr-11']);
    expect(listChangeRequests(db, 'PENDING')).toEqual([]);
    expect(flagDetail(db, 'pay.checkout.v2')).toMatchObject({
      owner: 'checkout',
      environments: { production: st(true, 25), staging: st(false, 0) },
      lastChangeIdx: 7,
    });
    expect(flagDetail(db, 'search.rank.v3')).toMatchObject({
      environments: { production: st(false, 0) },
      lastChangeIdx: 8,
    });
    expect(codeOf(() => flagDetail(db, 'old.legacy.router'))).toBe('E_FLAG_NOT_FOUND');
    // The incidents were refolded from the entries the rewind kept and the new tail.
    expect(before).toEqual([
      ['PD-2', 'triggered'],
      ['PD-1', 'acknowledged'],
    ]);
    expect(listIncidents(db, ALL_INCIDENTS).incidents.map((i) => [i.id, i.status])).toEqual([['PD-1', 'resolved']]);
    expect(queryLedger(db, { ...all, filter: { team: 'payments' } }).total).toBe(0);
    expect(queryLedger(db, { ...all, filter: { team: 'checkout' } }).rows.map((r) => r.idx)).toEqual([0, 5, 6, 7, 13]);
    insertTexts(db, [extraChange(fork)], 15); // change ranks continue from the rewound count
    expect(queryLedger(db, { ...all, filter: { changesOnly: true } }).rows.map((r) => r.idx)).toEqual([2, 3, 7, 8, 15]);
  });
});

describe('incident list', () => {
  let replica: Replica | null = null;
  afterEach(() => replica?.close());

  it('continues its fold with new entries and equals a fold from scratch', async () => {
    const log = scenario().log;
    replica = await replicaOf(log, 8, 10);
    const db = replica.db;
    const early = listIncidents(db, ALL_INCIDENTS).incidents;
    expect(early.map((i) => [i.id, i.status])).toEqual([['PD-1', 'triggered']]);
    early[0]!.status = 'resolved'; // callers get copies: the cached fold is not theirs to change
    await replica.appendEntries(log.entries(10, log.texts.length));
    const continued = listIncidents(db, ALL_INCIDENTS).incidents;
    expect(continued.map((i) => [i.id, i.status])).toEqual([
      ['PD-2', 'triggered'],
      ['PD-1', 'acknowledged'],
    ]);
    const fresh = await replicaOf(log, 12);
    try {
      expect(listIncidents(fresh.db, ALL_INCIDENTS).incidents).toEqual(continued);
    } finally {
      fresh.close();
    }
  });

  it('is filled by the upgrade from the first view schema with what a fold of the indexed entries gives', async () => {
    const log = scenario().log;
    replica = await replicaOf(log, 12);
    const db = replica.db;
    catchUpReadModels(db);
    const folded = foldIncidents(
      parseRows(db.prepare('SELECT idx, CAST(leaf AS TEXT) AS leaf FROM entries ORDER BY idx').all() as LeafRow[]),
    );
    expect(folded.map((i) => [i.id, i.status])).toEqual([
      ['PD-2', 'triggered'],
      ['PD-1', 'acknowledged'],
    ]);
    expect(listIncidents(db, ALL_INCIDENTS).incidents).toEqual(folded);
    // A replica indexed by a console of view schema 1: no incident table yet.
    db.exec('DROP TABLE view_incidents');
    db.prepare('UPDATE view_schema SET version = 1 WHERE id = 1').run();
    expect(migrateReadModels(db)).toBe(READ_MODEL_SCHEMA_VERSION);
    expect(listIncidents(db, ALL_INCIDENTS).incidents).toEqual(folded);
  });
});

/** One more user-facing change after the fork's tail. */
function extraChange(s: LedgerScript): string {
  s.change('search.rank.v3', 'staging', st(false, 0), st(true, 5));
  return s.log.texts[s.log.texts.length - 1]!;
}

/** Three entries that follow the scenario's first 12 in a forked history. */
function forkTail(s: LedgerScript): string[] {
  s.add({
    action: 'change_request.rejected',
    actor: { type: 'user', id: 'erin' },
    flag: 'pay.fraud.rules',
    env: 'production',
    after: { reason: 'no' },
    refs: s.refsOf('cr-11'),
  });
  s.add({
    action: 'flag.updated',
    flag: 'pay.checkout.v2',
    before: definition('pay.checkout.v2', { owner: 'payments', services: ['checkout-api', 'web'], tier: 'HIGH' }),
    after: definition('pay.checkout.v2', { owner: 'checkout', services: ['checkout-api', 'web'], tier: 'HIGH' }),
  });
  s.incident('incident.resolved', 'PD-1', 'checkout-api');
  return s.log.texts.slice(12);
}
