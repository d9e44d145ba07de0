/**
 * Helpers of the Unleash mirror's tests (which run against the suite's real Unleash): clients, unique flag names,
 * mirroring everything up to now, sealing drafts into a chained log the way the mirror will.
 */
import { randomBytes } from 'node:crypto';
import type { JsonValue, LedgerLeaf } from '../../../../shared/ledger/leaf.ts';
import { UnleashAdmin } from '../../../../test-support/unleash-admin.ts';
import { testUnleash, type UnleashReady } from '../../../../test-support/unleash-context.ts';
import { UnleashClient } from '../client.ts';
import { leafHashHex, sealDraft } from '../leaf.ts';
import { initialState, pollOnce, type MirroredEvent } from '../poller.ts';
import type { MirrorState } from '../state.ts';
import { freshCursor, type MirrorCursor } from '../tail.ts';

/** The suite's Unleash with a read client and an admin writer. */
export interface TestUnleash {
  ctx: UnleashReady;
  client: UnleashClient;
  admin: UnleashAdmin;
}

/** Connects to the suite's Unleash (throws its setup error when it is not running). */
export function connectTestUnleash(): TestUnleash {
  const ctx = testUnleash();
  return {
    ctx,
    client: new UnleashClient({ url: ctx.url, token: ctx.adminToken }),
    admin: new UnleashAdmin(ctx.url, ctx.adminToken),
  };
}

/** A flag name no other test uses (test files share one Unleash). */
export function uniqueFlag(prefix: string): string {
  return `${prefix}.${randomBytes(4).toString('hex')}`;
}

/** Everything mirrored by one catch-up. */
export interface Mirrored {
  events: MirroredEvent[];
  cursor: MirrorCursor;
  state: MirrorState;
}

/** Mirrors everything Unleash has after `from` (default: all of it). */
export async function mirrorAll(
  client: UnleashClient,
  from?: { cursor: MirrorCursor; state: MirrorState },
  pageSize = 200,
): Promise<Mirrored> {
  const state = from?.state ?? (await initialState(client));
  let cursor = from?.cursor ?? freshCursor();
  const events: MirroredEvent[] = [];
  for await (const item of pollOnce(client, cursor, state, pageSize)) {
    if (item.kind === 'batch') events.push(...item.events);
    if (item.kind === 'batch' || item.kind === 'caught_up') cursor = item.cursor;
  }
  return { events, cursor, state };
}

/** The mirrored events of one flag, in mirror order. */
export function ofFlag(events: readonly MirroredEvent[], flag: string): MirroredEvent[] {
  return events.filter((m) => m.event.featureName === flag);
}

/** Seals drafts into a chained log (origin `log`), as the mirror's replica will; returns leaves and exact texts. */
export function sealAll(
  events: readonly MirroredEvent[],
  log = 'unleash.test/mirror',
): { leaf: LedgerLeaf; text: string }[] {
  let prev = '';
  return events.map((m, idx) => {
    const sealed = sealDraft(m.draft, { log, idx, prev });
    prev = leafHashHex(sealed.text);
    return sealed;
  });
}

/** An EnvState without its Unleash detail (the part the read models and the ranking read). */
export function core(v: JsonValue): JsonValue {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  const { unleash: _unleash, ...rest } = v;
  return rest;
}
