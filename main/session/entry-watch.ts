/**
 * Reads entries as they arrive in the replica and turns the ones that matter into events: receipts
 * matched, break-glass use announced, notifications for new incidents and automatic rollbacks.
 * Only entries that arrive while the stream is live announce anything (history never re-notifies).
 */
import type { Replica } from '../ledger/replica.ts';
import type { SeenEntry } from './receipts.ts';

/** One arrived entry, parsed just enough for the watchers. */
export interface ArrivedEntry extends SeenEntry {
  ts: string;
  actor: string;
  flag: string | null;
  env: string | null;
  reason: string;
  after: unknown;
}

function parse(idx: number, text: string): ArrivedEntry | null {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    const actor = v['actor'] as { id?: unknown } | undefined;
    return {
      idx,
      ts: String(v['ts'] ?? ''),
      action: String(v['action'] ?? ''),
      actor: typeof actor?.id === 'string' ? actor.id : 'unknown',
      flag: typeof v['flag'] === 'string' ? v['flag'] : null,
      env: typeof v['env'] === 'string' ? v['env'] : null,
      reason: typeof v['reason'] === 'string' ? v['reason'] : '',
      refs: (typeof v['refs'] === 'object' && v['refs'] !== null ? v['refs'] : {}) as Record<string, string>,
      after: v['after'],
    };
  } catch {
    return null; // the replica only stores validated canonical leaves; this is unreachable in practice
  }
}

const MAX_READ = 5000;

/** Tracks the next unread idx and yields arrived entries in bounded reads. */
export class EntryWatch {
  private next: number;

  constructor(start: number) {
    this.next = start;
  }

  /** Reads entries [next, receivedSize) (at most a few thousand per call), or skips them when `announce` is false. */
  read(replica: Pick<Replica, 'entries' | 'receivedSize'>, announce: boolean): ArrivedEntry[] {
    const size = replica.receivedSize();
    if (size < this.next) this.next = size; // an unverified tail was dropped (refetch); read it again when it returns
    if (!announce || size - this.next > MAX_READ) {
      this.next = size;
      return [];
    }
    const out: ArrivedEntry[] = [];
    for (const e of replica.entries(this.next, size)) {
      const parsed = parse(e.idx, e.text);
      if (parsed) out.push(parsed);
    }
    this.next = size;
    return out;
  }
}
