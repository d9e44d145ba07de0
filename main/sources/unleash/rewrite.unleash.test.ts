/**
 * Upstream rewrites caught by re-reading: an event edited or deleted directly in Unleash's database after the mirror
 * sealed it raises E_UPSTREAM_REWRITE with both versions; a mirror whose last events all vanished cannot continue
 * and says so; one whose last event vanished continues from the newest one that still exists.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventDigest } from './events.ts';
import type { MirroredEvent } from './poller.ts';
import { rereadMirrored, UpstreamRewriteError, type MirroredRecord } from './rewrite.ts';
import { nextEvents } from './tail.ts';
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

function records(events: readonly MirroredEvent[]): MirroredRecord[] {
  return events.map((m) => ({ id: m.event.id, digest: m.digest, event: m.event }));
}

async function flagWithHistory(prefix: string): Promise<{ flag: string; mine: MirroredEvent[] }> {
  const flag = uniqueFlag(prefix);
  await u.admin.createFlag(flag);
  await u.admin.setEnabled(flag, 'production', true);
  const [auto] = await u.admin.strategies(flag, 'production');
  await u.admin.updateStrategy(flag, 'production', auto!.id, {
    name: 'flexibleRollout',
    parameters: { rollout: '20', stickiness: 'default', groupId: flag },
  });
  const mine = ofFlag((await mirrorAll(u.client)).events, flag);
  return { flag, mine };
}

describe('upstream rewrites', () => {
  it('re-reading finds nothing while Unleash still has exactly what was mirrored', async () => {
    const { mine } = await flagWithHistory('rewrite.none');
    expect(await rereadMirrored(u.client, records(mine))).toEqual([]);
  });

  it('an event edited in Unleash’s database raises E_UPSTREAM_REWRITE with both versions', async () => {
    const { mine } = await flagWithHistory('rewrite.edit');
    const update = mine.find((m) => m.event.type === 'feature-strategy-update')!;
    await db.query(
      `UPDATE events SET data = jsonb_set(data::jsonb, '{parameters,rollout}', '"99"')::json WHERE id = $1`,
      [update.event.id],
    );
    const alerts = await rereadMirrored(u.client, records(mine));
    expect(alerts).toHaveLength(1);
    const upstream = alerts[0]!.upstream!.event;
    expect(alerts[0]).toEqual({
      code: 'E_UPSTREAM_REWRITE',
      kind: 'changed',
      eventId: update.event.id,
      message: expect.stringContaining(`Unleash event ${update.event.id} (feature-strategy-update) now differs`),
      mirrored: { digest: update.digest, event: update.event },
      upstream: { digest: eventDigest(upstream), event: upstream },
      detectedAt: expect.any(String),
    });
    expect(upstream).toEqual({
      ...update.event,
      data: {
        ...(update.event.data as object),
        parameters: { groupId: update.event.featureName, rollout: '99', stickiness: 'default' },
      },
    });
    expect(update.draft.refs['unleash_sha256']).toBe(update.digest);
  });

  it('an event deleted from Unleash’s database raises E_UPSTREAM_REWRITE (vanished)', async () => {
    const { mine } = await flagWithHistory('rewrite.delete');
    const enabled = mine.find((m) => m.event.type === 'feature-environment-enabled')!;
    await db.query('DELETE FROM events WHERE id = $1', [enabled.event.id]);
    expect(await rereadMirrored(u.client, records(mine))).toEqual([
      {
        code: 'E_UPSTREAM_REWRITE',
        kind: 'vanished',
        eventId: enabled.event.id,
        message: expect.stringContaining('is gone from Unleash although the mirror sealed it'),
        mirrored: { digest: enabled.digest, event: enabled.event },
        upstream: null,
        detectedAt: expect.any(String),
      },
    ]);
  });

  it('the tail continues from the newest mirrored event that still exists when the last one vanished', async () => {
    const { flag, mine } = await flagWithHistory('rewrite.anchor');
    const ids = mine.map((m) => m.event.id);
    const cursor = { position: 0, recentIds: ids };
    const counted = await u.client.searchEvents(0, 1);
    const last = ids[ids.length - 1]!;
    await db.query('DELETE FROM events WHERE id = $1', [last]);
    await u.admin.describe(flag, 'after the cut');
    const step = await nextEvents(u.client, { ...cursor, position: counted.total }, 200);
    const forFlag = step.events.filter((e) => e.featureName === flag);
    expect(forFlag.map((e) => e.type)).toEqual(['feature-metadata-updated']);
    expect(step.cursor.recentIds).not.toContain(last);
    expect(step.cursor.recentIds.slice(0, ids.length - 1)).toEqual(ids.slice(0, -1));
  });

  it('the tail stops with E_UPSTREAM_REWRITE when none of the last mirrored events exists any more', async () => {
    const { mine } = await flagWithHistory('rewrite.lost');
    const ids = mine.map((m) => m.event.id);
    await db.query('DELETE FROM events WHERE id = ANY($1::int[])', [ids]);
    const err = await nextEvents(u.client, { position: 1, recentIds: ids }, 50).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamRewriteError);
    expect((err as UpstreamRewriteError).code).toBe('E_UPSTREAM_REWRITE');
    expect((err as UpstreamRewriteError).alert).toMatchObject({ kind: 'anchor_lost', eventId: null, missingIds: ids });
  });
});
