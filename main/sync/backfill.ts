/**
 * Backfill from `GET /api/v1/ledger/entries?start=&end=` (NDJSON, one exact leaf per line): pages are fetched in
 * parallel and applied strictly in index order, so the replica only ever appends contiguously. Lines stay bytes
 * (views into the response body), so the exact leaf bytes are hashed without a decode/encode round trip. A page the
 * server shortened (its own page cap) is completed with follow-up requests before it is applied.
 */
import { SyncHttpError, getBytes, type SyncTarget } from './http.ts';

/** One contiguous run of exact leaf bytes starting at `start`. */
export interface Page {
  start: number;
  leaves: Uint8Array[];
}

/** What to fetch and where to put it. */
export interface BackfillOptions {
  target: SyncTarget;
  /** First index to fetch. */
  from: number;
  /** End of the range (exclusive). */
  to: number;
  pageSize?: number;
  concurrency?: number;
  /** Called once per page, in index order; a throw aborts the backfill. */
  apply(page: Page): void | Promise<void>;
  /** Checked between pages (stop requested, or the caller needs to re-plan). */
  stopped?(): boolean;
}

/** Default page: the control plane's default cap. */
export const DEFAULT_PAGE_SIZE = 5000;
/** Pages in flight at once. */
export const DEFAULT_CONCURRENCY = 4;
const LF = 0x0a;

/** Splits an NDJSON body into line views; throws E_PROTOCOL when the body is cut mid-line or holds an empty line. */
export function splitNdjson(body: Buffer, path: string): Uint8Array[] {
  if (body.length === 0) return [];
  if (body[body.length - 1] !== LF)
    throw new SyncHttpError('E_PROTOCOL', `GET ${path} returned a body cut mid-line`, 200, true);
  const lines: Uint8Array[] = [];
  for (let at = 0; at < body.length;) {
    const end = body.indexOf(LF, at);
    if (end === at) throw new SyncHttpError('E_PROTOCOL', `GET ${path} returned an empty NDJSON line`, 200, true);
    lines.push(body.subarray(at, end));
    at = end + 1;
  }
  return lines;
}

/** Fetches exactly the entries [start, end); throws E_PROTOCOL when the server returns none or too many. */
export async function fetchRange(target: SyncTarget, start: number, end: number): Promise<Page> {
  const leaves: Uint8Array[] = [];
  let at = start;
  while (at < end) {
    const path = `/api/v1/ledger/entries?start=${at}&end=${end}`;
    const lines = splitNdjson(await getBytes(target, path), path);
    if (lines.length === 0)
      throw new SyncHttpError(
        'E_PROTOCOL',
        `GET ${path} returned no entries; the log is shorter than announced`,
        200,
        true,
      );
    if (lines.length > end - at)
      throw new SyncHttpError(
        'E_PROTOCOL',
        `GET ${path} returned ${lines.length} entries for ${end - at} asked`,
        200,
        true,
      );
    for (const line of lines) leaves.push(line);
    at += lines.length;
  }
  return { start, leaves };
}

/** Runs the backfill; resolves when [from, to) is applied (or `stopped()` said so), rejects on the first failure. */
export async function backfill(opts: BackfillOptions): Promise<void> {
  const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  const inflight: Promise<Page>[] = [];
  let next = opts.from;
  const launch = (): void => {
    if (next >= opts.to) return;
    const start = next;
    next = Math.min(opts.to, start + pageSize);
    const p = fetchRange(opts.target, start, next);
    p.catch(() => {}); // awaited in order below; this only silences the unhandled-rejection warning meanwhile
    inflight.push(p);
  };
  for (let i = 0; i < concurrency; i++) launch();
  for (let p = inflight.shift(); p !== undefined; p = inflight.shift()) {
    const page = await p;
    if (opts.stopped?.() === true) return;
    launch();
    await opts.apply(page);
  }
}
