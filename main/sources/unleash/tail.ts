/**
 * Reading the events Unleash added since the cursor, oldest first, although its search API pages newest first
 * (ordered by createdAt, then id, with a `total` count): a position p in Unleash's order (0 = oldest) is found at
 * offset total-1-p. Each page re-reads a short overlap before the cursor and must find the last mirrored event (the
 * anchor) in it, which proves the page continues the mirror. Events that show up before the anchor but were never
 * mirrored (a transaction that committed late, with an older createdAt) are taken too. When the anchor is not where
 * expected (events vanished or positions moved), the tail finds the newest mirrored event that still exists and
 * continues from there; if none exists any more, the mirror cannot continue (E_UPSTREAM_REWRITE).
 */
import type { UnleashClient } from './client.ts';
import type { UnleashEvent } from './events.ts';
import { UnleashError } from './errors.ts';
import { UpstreamRewriteError } from './rewrite.ts';

/** Where the mirror is in Unleash's event log; plain JSON, stored with the mirror. */
export interface MirrorCursor {
  /** How many of Unleash's events (in its order) the mirror has consumed. */
  position: number;
  /** Ids of the last mirrored events, oldest first; the last one is the anchor (the last mapped event id). */
  recentIds: number[];
}

/** Ids remembered for spotting late events and re-anchoring. */
export const MAX_RECENT_IDS = 1000;
/** Events re-read before the anchor on every page. */
export const OVERLAP = 50;
/** Pages of the same pass that may race with concurrent writes before the pass gives up (and retries later). */
const MAX_RETRIES = 5;

/** A mirror that has consumed nothing. */
export function freshCursor(): MirrorCursor {
  return { position: 0, recentIds: [] };
}

/** One step of the tail: new events (oldest first) and the cursor after them. */
export interface TailStep {
  events: UnleashEvent[];
  cursor: MirrorCursor;
  /** Unleash's event count when the step was read. */
  total: number;
}

function anchorOf(cursor: MirrorCursor): number | null {
  return cursor.recentIds.length === 0 ? null : (cursor.recentIds[cursor.recentIds.length - 1] ?? null);
}

function remember(recent: readonly number[], ids: readonly number[]): number[] {
  const out = [...recent, ...ids];
  return out.length > MAX_RECENT_IDS ? out.slice(out.length - MAX_RECENT_IDS) : out;
}

/**
 * Finds the newest remembered event that Unleash still has and the position after it, scanning newest first.
 * Throws UpstreamRewriteError when none of them exists any more.
 */
export async function realign(client: UnleashClient, cursor: MirrorCursor, pageSize: number): Promise<MirrorCursor> {
  const rank = new Map(cursor.recentIds.map((id, i) => [id, i]));
  for (let offset = 0, pages = 0; ; pages++) {
    const page = await client.searchEvents(offset, pageSize);
    const hit = page.events.findIndex((e) => rank.has(e.id));
    if (hit >= 0) {
      const found = page.events[hit] as UnleashEvent;
      const keep = (rank.get(found.id) ?? 0) + 1;
      return { position: page.total - (offset + hit), recentIds: cursor.recentIds.slice(0, keep) };
    }
    offset += page.events.length;
    if (page.events.length === 0 || offset >= page.total || pages > page.total / pageSize + MAX_RETRIES) {
      throw new UpstreamRewriteError(cursor.recentIds.slice(-10));
    }
  }
}

function logMoving(url: string): UnleashError {
  return new UnleashError(
    'E_UNLEASH_MOVING',
    `Unleash at ${url} added or removed events during every read of this pass, so no consistent page could be read; ` +
      'the mirror tries again shortly.',
  );
}

interface Window {
  start: number;
  end: number;
}

function windowFor(cursor: MirrorCursor, total: number, pageSize: number): Window {
  const overlap = Math.min(OVERLAP, cursor.recentIds.length, cursor.position);
  const start = cursor.position - overlap;
  return { start, end: Math.min(total, cursor.position + pageSize) };
}

/** Reads one window; null when Unleash's count moved under the read (the caller retries). */
async function readWindow(client: UnleashClient, w: Window, total: number): Promise<UnleashEvent[] | null> {
  if (w.end <= w.start) return [];
  const page = await client.searchEvents(total - w.end, w.end - w.start);
  if (page.total !== total) return null;
  return page.events.reverse();
}

/** The events of `asc` that are new to the mirror: unknown ones before the anchor, then all after it. */
function newEvents(asc: readonly UnleashEvent[], cursor: MirrorCursor, anchorAt: number): UnleashEvent[] {
  const known = new Set(cursor.recentIds);
  const late = asc.slice(0, Math.max(anchorAt, 0)).filter((e) => !known.has(e.id));
  return [...late, ...asc.slice(anchorAt + 1)];
}

/**
 * The next events after `cursor` (at most about `pageSize`), or an empty step when the mirror is caught up.
 * Throws UnleashError on transport problems and UpstreamRewriteError when the mirror lost its anchor for good.
 */
export async function nextEvents(client: UnleashClient, cursor: MirrorCursor, pageSize: number): Promise<TailStep> {
  let current = cursor;
  for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
    const probe = await client.searchEvents(0, 1);
    const anchor = anchorOf(current);
    const newest = probe.events[0]?.id ?? null;
    if (anchor !== null && probe.total === current.position && newest === anchor) {
      return { events: [], cursor: current, total: probe.total };
    }
    if (anchor !== null && probe.total < current.position) {
      current = await realign(client, current, pageSize);
      continue;
    }
    const w = windowFor(current, probe.total, pageSize);
    const asc = await readWindow(client, w, probe.total);
    if (asc === null) continue;
    const anchorAt = anchor === null ? -1 : asc.findIndex((e) => e.id === anchor);
    if (anchor !== null && anchorAt < 0) {
      current = await realign(client, current, pageSize);
      continue;
    }
    const events = newEvents(asc, current, anchorAt);
    const cursorAfter = {
      position: w.start + asc.length,
      recentIds: remember(
        current.recentIds,
        events.map((e) => e.id),
      ),
    };
    return { events, cursor: cursorAfter, total: probe.total };
  }
  throw logMoving(client.url);
}
