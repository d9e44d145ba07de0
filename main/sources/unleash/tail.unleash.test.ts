/**
 * Reading Unleash's newest-first event search oldest first: any page size gives the same events in Unleash's order,
 * a stored cursor and state resume exactly where they stopped, events the table does not know are kept raw, a mirror
 * that missed a flag's creation says "unknown" instead of guessing, and an event that commits late behind the anchor
 * is still mirrored.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exposureChange } from '../../../shared/correlate/index.ts';
import { eventDigest } from './events.ts';
import { UNKNOWN_STATE } from './map-types.ts';
import { initialState } from './poller.ts';
import type { MirrorState } from './state.ts';
import { nextEvents, type MirrorCursor } from './tail.ts';
import { connectTestUnleash, mirrorAll, ofFlag, uniqueFlag, type TestUnleash } from './test-support/unleash.ts';

let u: TestUnleash;
let db: pg.Client;
beforeAll(async () => {
  u = connectTestUnleash();
  db = new pg.Client({ connectionString: u.ctx.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
});

function roundTrip<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

describe('the tail of Unleash’s event log', () => {
  it('gives the same events in Unleash’s order whatever the page size', async () => {
    const flag = uniqueFlag('tail.pages');
    await u.admin.createFlag(flag);
    await u.admin.setEnabled(flag, 'development', true);
    const small = await mirrorAll(u.client, undefined, 3);
    const big = await mirrorAll(u.client, undefined, 1000);
    const ids = small.events.map((m) => m.event.id);
    expect(big.events.map((m) => m.event.id).slice(0, ids.length)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(big.events.slice(0, ids.length).map((m) => m.draft)).toEqual(small.events.map((m) => m.draft));
    // Oldest first, as Unleash orders them (createdAt; its id tie-break is below millisecond precision).
    const times = small.events.map((m) => m.event.createdAt);
    expect(times).toEqual([...times].sort());
    expect(ofFlag(small.events, flag).map((m) => m.event.type)).toEqual([
      'feature-created',
      'feature-strategy-add',
      'feature-environment-enabled',
    ]);
    expect(small.cursor.position).toBeGreaterThanOrEqual(ids.length);
  });

  it('resumes from a stored cursor and state with exactly the events after it', async () => {
    const first = await mirrorAll(u.client);
    const stored = roundTrip({ cursor: first.cursor, state: first.state });
    const flag = uniqueFlag('tail.resume');
    await u.admin.createFlag(flag);
    await u.admin.tag(flag, 'simple', 'service:search');
    const next = await mirrorAll(u.client, stored, 2);
    const seen = new Set(first.events.map((m) => m.event.id));
    expect(next.events.filter((m) => seen.has(m.event.id))).toEqual([]);
    const mine = ofFlag(next.events, flag);
    expect(mine.map((m) => [m.event.type, m.draft.action])).toEqual([
      ['feature-created', 'flag.created'],
      ['feature-tagged', 'flag.updated'],
    ]);
    expect(next.state.flags[flag]?.tags).toEqual([{ type: 'simple', value: 'service:search' }]);
    const again = await mirrorAll(u.client, roundTrip({ cursor: next.cursor, state: next.state }));
    expect(ofFlag(again.events, flag)).toEqual([]);
  });

  it('keeps events the table does not map as raw leaves', async () => {
    const flag = uniqueFlag('tail.raw');
    const tagType = `tt${flag.replace(/[^a-z0-9]/g, '')}`;
    await u.admin.createFlag(flag);
    await u.admin.call('POST', '/api/admin/tag-types', { name: tagType, description: 'raw test' });
    await u.admin.call('POST', `/api/admin/projects/default/features/${flag}/link`, {
      url: 'https://example.com/runbook',
    });
    const all = (await mirrorAll(u.client)).events;
    const typeCreated = all.find(
      (m) => m.event.type === 'tag-type-created' && JSON.stringify(m.event.data).includes(tagType),
    );
    expect(typeCreated?.draft).toEqual({
      ts: typeCreated?.event.createdAt,
      actor: { type: 'service', id: 'tombstone-tests' },
      action: 'unleash.tag_type_created',
      flag: null,
      env: null,
      before: null,
      after: { name: tagType, description: 'raw test' },
      reason: 'Unleash: tag-type-created (kept raw)',
      refs: {
        unleash_event: String(typeCreated?.event.id),
        unleash_type: 'tag-type-created',
        unleash_sha256: typeCreated ? eventDigest(typeCreated.event) : '',
      },
    });
    const link = ofFlag(all, flag).find((m) => m.event.type === 'feature-link-added');
    expect(link?.draft).toMatchObject({ action: 'unleash.feature_link_added', flag, before: link?.event.preData });
    expect(link?.draft.after).toEqual(link?.event.data);
  });

  it('says "unknown" for a flag whose creation the mirror never saw', async () => {
    const flag = uniqueFlag('tail.unseen');
    await u.admin.createFlag(flag);
    const skipped = await mirrorAll(u.client);
    await u.admin.setEnabled(flag, 'production', true);
    const fresh: MirrorState = await initialState(u.client);
    const mine = ofFlag((await mirrorAll(u.client, { cursor: skipped.cursor, state: fresh })).events, flag);
    expect(mine.map((m) => [m.event.type, m.draft.action, m.draft.before, m.draft.after])).toEqual([
      ['feature-strategy-add', 'flag.updated', UNKNOWN_STATE, { state: 'unknown', strategy: mine[0]!.event.data }],
      ['feature-environment-enabled', 'flag.updated', UNKNOWN_STATE, { state: 'unknown', enabled: true }],
    ]);
    // Still a change for the ranking, of a size it cannot know.
    expect(exposureChange(mine[1]!.draft.before, mine[1]!.draft.after)).toEqual({ kind: 'unreadable' });
  });

  it('mirrors an event that committed late, behind the anchor', async () => {
    const flag = uniqueFlag('tail.late');
    await u.admin.createFlag(flag);
    const before = await mirrorAll(u.client);
    const anchor = before.cursor.recentIds.at(-1)!;
    const row = await db.query<{ id: number }>(
      `INSERT INTO events (type, created_by, created_by_user_id, created_at, data, feature_name, project)
       SELECT 'feature-tagged', 'late-writer', -42, created_at - interval '1 millisecond',
              '{"type":"simple","value":"service:late"}'::jsonb, $1, 'default'
       FROM events WHERE id = $2 RETURNING id`,
      [flag, anchor],
    );
    const lateId = row.rows[0]!.id;
    const step = await nextEvents(u.client, before.cursor, 200);
    expect(step.events.map((e) => e.id)).toContain(lateId);
    const cursor: MirrorCursor = step.cursor;
    expect(cursor.recentIds).toContain(lateId);
    const after = await mirrorAll(u.client, { cursor, state: before.state });
    expect(after.events.map((m) => m.event.id)).not.toContain(lateId);
  });
});
