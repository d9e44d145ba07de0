/**
 * The Unleash mirror's poller: every few seconds it reads the events added since its cursor (tail.ts), maps each to a
 * leaf draft (mapping.ts) and hands them over in order; on failure it backs off exponentially (full jitter, capped)
 * and tries again; optionally it re-reads mirrored events to catch upstream rewrites (rewrite.ts). It is an async
 * iterator: nothing is read until the consumer asks for the next item, so a consumer that stores each batch before
 * asking for the next one can resume from the batch's cursor and state after any crash.
 */
import { backoffDelay, type BackoffPolicy } from '../../sync/backoff.ts';
import type { UnleashClient } from './client.ts';
import { UnleashError } from './errors.ts';
import { eventDigest, type UnleashEvent } from './events.ts';
import { applyEvent, type LeafDraft } from './mapping.ts';
import { rereadMirrored, UpstreamRewriteError, type MirroredRecord, type UpstreamRewriteAlert } from './rewrite.ts';
import { emptyMirrorState, type MirrorState } from './state.ts';
import { freshCursor, nextEvents, type MirrorCursor } from './tail.ts';

/** One mirrored event: the event as Unleash stores it, its digest, and its leaf draft. */
export interface MirroredEvent {
  event: UnleashEvent;
  digest: string;
  draft: LeafDraft;
}

/** What the poller reports, in order. */
export type PollerItem =
  /** New events, oldest first; `cursor` and `state` are where the mirror stands after them (store all three). */
  | { kind: 'batch'; events: MirroredEvent[]; cursor: MirrorCursor; state: MirrorState }
  /** Nothing more to read for now. */
  | { kind: 'caught_up'; cursor: MirrorCursor; total: number; at: string }
  /** A read failed; the poller waits `delayMs` and tries again. */
  | { kind: 'retrying'; error: UnleashError; attempt: number; delayMs: number }
  /** Upstream history changed under the mirror; `halted` when the tail cannot continue at all. */
  | { kind: 'alert'; alert: UpstreamRewriteAlert; halted: boolean };

/** How to poll. */
export interface PollerOptions {
  client: UnleashClient;
  /** Where to resume (default: from Unleash's first event). */
  cursor?: MirrorCursor;
  /** The mapping's state at `cursor` (default: read the projects' environments from Unleash, no flags yet). */
  state?: MirrorState;
  /** Pause between polls when caught up (default 5 s). */
  intervalMs?: number;
  /** Events per page (1..1000, default 200). */
  pageSize?: number;
  backoff?: BackoffPolicy;
  /** Re-read mirrored events every `every` polls (the records come from the mirror's store). */
  reread?: { every: number; records: () => Promise<readonly MirroredRecord[]> };
  signal?: AbortSignal;
  /** For tests: the wait between polls and retries. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Default retry policy: 1 s doubling to 60 s (the first retry is quick, a long outage costs one request a minute). */
export const UNLEASH_BACKOFF: BackoffPolicy = { baseMs: 1000, capMs: 60_000, maxServerRetryMs: 300_000 };

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The mapping state of a new mirror: every project's environments, no flags. */
export async function initialState(client: UnleashClient): Promise<MirrorState> {
  const envs: Record<string, string[]> = {};
  for (const project of await client.projects()) {
    envs[project] = (await client.projectEnvironments(project)).map((e) => e.name);
  }
  return emptyMirrorState(envs);
}

/** Maps a tail step's events in order, advancing `state`. */
export function mapEvents(state: MirrorState, events: readonly UnleashEvent[]): MirroredEvent[] {
  return events.map((event) => ({ event, digest: eventDigest(event), draft: applyEvent(state, event) }));
}

/** Reads everything Unleash has after `cursor` now, in batches; ends caught up. Throws UnleashError / rewrite errors. */
export async function* pollOnce(
  client: UnleashClient,
  cursor: MirrorCursor,
  state: MirrorState,
  pageSize = 200,
): AsyncGenerator<PollerItem> {
  let at = cursor;
  for (;;) {
    const step = await nextEvents(client, at, pageSize);
    at = step.cursor;
    if (step.events.length === 0) {
      yield { kind: 'caught_up', cursor: at, total: step.total, at: new Date().toISOString() };
      return;
    }
    yield { kind: 'batch', events: mapEvents(state, step.events), cursor: at, state };
  }
}

/** Polls until `signal` aborts or the tail halts on a rewrite; see PollerItem. */
export async function* pollUnleash(opts: PollerOptions): AsyncGenerator<PollerItem> {
  const sleep = opts.sleep ?? defaultSleep;
  const pageSize = opts.pageSize ?? 200;
  let cursor = opts.cursor ?? freshCursor();
  let state = opts.state ?? null;
  let attempt = 0;
  for (let polls = 1; !opts.signal?.aborted; polls++) {
    try {
      state ??= await initialState(opts.client);
      for await (const item of pollOnce(opts.client, cursor, state, pageSize)) {
        if (item.kind === 'batch' || item.kind === 'caught_up') cursor = item.cursor;
        yield item;
        if (opts.signal?.aborted) return;
      }
      if (opts.reread && polls % opts.reread.every === 0) {
        for (const alert of await rereadMirrored(opts.client, await opts.reread.records())) {
          yield { kind: 'alert', alert, halted: false };
          if (opts.signal?.aborted) return;
        }
      }
      attempt = 0;
      await sleep(opts.intervalMs ?? 5000, opts.signal);
    } catch (err) {
      if (err instanceof UpstreamRewriteError) {
        yield { kind: 'alert', alert: err.alert, halted: true };
        return;
      }
      // Anything but an Unleash error is a bug of ours: surface it instead of retrying for ever.
      if (!(err instanceof UnleashError)) throw err;
      attempt++;
      const delayMs = backoffDelay(attempt, opts.backoff ?? UNLEASH_BACKOFF, null);
      yield { kind: 'retrying', error: err, attempt, delayMs };
      if (opts.signal?.aborted) return;
      await sleep(delayMs, opts.signal);
    }
  }
}
