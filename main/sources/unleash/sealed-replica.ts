/**
 * The Unleash mirror sealed into a replica: the same RFC 6962 log as a Tombstone replica (leaves in our format, chained
 * by `prev`, committed to by checkpoints), except that the checkpoints are signed by the console's own sealing key.
 * Next to the ledger tables, in the same SQLite file, the mirror keeps its bookkeeping: where it stands in Unleash's
 * event log (cursor and mapping state), every mirrored event exactly as Unleash stored it (for the re-read that
 * catches rewrites, and as evidence), the upstream rewrites it found, and when sealing began.
 *
 * A batch is sealed in three steps, each atomic: (1) its events and the cursor/state after it are recorded as pending,
 * (2) its leaves are appended to the replica, (3) a checkpoint over the new size is signed and applied, and the
 * pending step is committed. Re-opened after a crash, a pending step whose leaves are in the replica is finished;
 * one whose leaves are not is dropped (its events are read again from Unleash).
 */
import type Database from 'better-sqlite3';
import type { Evidence } from '../../../shared/ipc/contract.ts';
import type { NoteSigner } from '../../../shared/ledger/index.ts';
import { CompactRange, fromHex, signCheckpoint, toHex } from '../../../shared/ledger/index.ts';
import { AppError } from '../../ipc/app-error.ts';
import { sha256 } from '../../ledger/node-crypto.ts';
import type { Replica } from '../../ledger/replica.ts';
import { leafHashHex, sealDraft } from './leaf.ts';
import type { MirroredEvent } from './poller.ts';
import type { MirroredRecord, UpstreamRewriteAlert } from './rewrite.ts';
import type { MirrorState } from './state.ts';
import type { UnleashEvent } from './events.ts';
import type { MirrorCursor } from './tail.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS unleash_mirror (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  url TEXT NOT NULL,
  sealed_since TEXT NOT NULL,
  size INTEGER NOT NULL,
  cursor TEXT,
  state TEXT,
  pending TEXT
);
CREATE TABLE IF NOT EXISTS unleash_events (
  id INTEGER PRIMARY KEY,
  idx INTEGER NOT NULL UNIQUE,
  digest TEXT NOT NULL,
  event TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS unleash_alerts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  upstream_digest TEXT,
  idx INTEGER,
  detail TEXT NOT NULL,
  mirrored TEXT,
  upstream TEXT,
  detected_at TEXT NOT NULL,
  UNIQUE (event_id, kind, upstream_digest)
);`;

/** Upstream-rewrite evidence ids start here (the replica's own evidence ids are small). */
export const UPSTREAM_ALERT_ID_BASE = 1_000_000;

/** The checkpoint origin of the mirror of the Unleash at `url` (one line, as every origin). */
export function unleashOrigin(url: string): string {
  return `unleash+${url}`;
}

/** True when a replica origin is an Unleash mirror's. */
export function isUnleashOrigin(origin: string): boolean {
  return origin.startsWith('unleash+');
}

interface MirrorRow {
  url: string;
  sealed_since: string;
  size: number;
  cursor: string | null;
  state: string | null;
  pending: string | null;
}

interface Pending {
  size: number;
  cursor: MirrorCursor;
  state: MirrorState;
}

/** What sealing a batch did. */
export interface Sealed {
  from: number;
  to: number;
  root: string;
}

/** The mirror's bookkeeping in an existing replica file, read without opening the replica (null when absent). */
export function readMirrorInfo(db: Database.Database): { url: string; sealedSince: string; size: number } | null {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'unleash_mirror'").get();
  if (has === undefined) return null;
  const row = db.prepare('SELECT url, sealed_since, size FROM unleash_mirror WHERE id = 1').get() as
    { url: string; sealed_since: string; size: number } | undefined;
  return row === undefined ? null : { url: row.url, sealedSince: row.sealed_since, size: row.size };
}

function inconsistent(detail: string): AppError {
  return new AppError(
    'E_MIRROR_STATE',
    `The Unleash mirror's bookkeeping does not match its replica (${detail}). The replica itself is intact; set it ` +
      'aside and mirror again to continue.',
  );
}

/** The sealed mirror of one Unleash in one replica. */
export class SealedReplica {
  readonly replica: Replica;
  readonly url: string;
  private readonly signer: NoteSigner;
  private readonly db: Database.Database;
  private readonly now: () => number;
  private range: CompactRange;
  private lastHash: string;

  private constructor(replica: Replica, url: string, signer: NoteSigner, now: () => number) {
    this.replica = replica;
    this.url = url;
    this.signer = signer;
    this.db = replica.db;
    this.now = now;
    this.range = new CompactRange(sha256);
    this.lastHash = '';
  }

  /**
   * Binds an open replica (origin `unleashOrigin(url)`, trusting `signer`'s key) to the mirror of `url`: creates the
   * bookkeeping on first use, finishes or drops a step a crash interrupted, and rebuilds the tree's frontier.
   */
  static async open(replica: Replica, url: string, signer: NoteSigner, now = Date.now): Promise<SealedReplica> {
    const s = new SealedReplica(replica, url, signer, now);
    s.db.exec(SCHEMA);
    const row = s.row();
    if (row === null) {
      if (replica.receivedSize() > 0) throw inconsistent('the replica holds entries but no mirror state');
      s.db
        .prepare('INSERT INTO unleash_mirror (id, url, sealed_since, size) VALUES (1, ?, ?, 0)')
        .run(url, new Date(now()).toISOString());
    } else if (row.url !== url) {
      throw new AppError(
        'E_MIRROR_URL',
        `This replica mirrors the Unleash at ${row.url}, not ${url}. Use another replica file for another Unleash.`,
      );
    }
    s.rebuildFrontier();
    await s.recover();
    return s;
  }

  private row(): MirrorRow | null {
    return (this.db.prepare('SELECT * FROM unleash_mirror WHERE id = 1').get() as MirrorRow | undefined) ?? null;
  }

  /** When the first seal was made: Unleash's history before it is copied, not proved. */
  sealedSince(): string {
    return this.row()?.sealed_since ?? new Date(this.now()).toISOString();
  }

  /** Where the mirror stands (null cursor and state before the first batch). */
  position(): { size: number; cursor: MirrorCursor | null; state: MirrorState | null } {
    const row = this.row();
    if (row === null) throw inconsistent('the mirror state row is missing');
    return {
      size: row.size,
      cursor: row.cursor === null ? null : (JSON.parse(row.cursor) as MirrorCursor),
      state: row.state === null ? null : (JSON.parse(row.state) as MirrorState),
    };
  }

  private rebuildFrontier(): void {
    const size = this.replica.receivedSize();
    const range = new CompactRange(sha256);
    let last = '';
    for (let start = 0; start < size; start += 10_000) {
      for (const e of this.replica.entries(start, Math.min(size, start + 10_000))) {
        range.append(fromHex(e.leafHash));
        last = e.leafHash;
      }
    }
    this.range = range;
    this.lastHash = last;
  }

  /** After a failed step: finishes or drops what was pending, so the next step starts from committed bookkeeping. */
  async recoverNow(): Promise<void> {
    this.rebuildFrontier();
    await this.recover();
  }

  private async recover(): Promise<void> {
    const row = this.row();
    if (row === null) return;
    const received = this.replica.receivedSize();
    const pending = row.pending === null ? null : (JSON.parse(row.pending) as Pending);
    if (pending !== null && received === pending.size && received > row.size) {
      await this.checkpoint();
      this.commit(pending);
      return;
    }
    if (received !== row.size) throw inconsistent(`the replica holds ${received} entries, the mirror ${row.size}`);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM unleash_events WHERE idx >= ?').run(row.size);
      this.db.prepare('UPDATE unleash_mirror SET pending = NULL WHERE id = 1').run();
    })();
    if (this.replica.status().verifiedSize < received) await this.checkpoint();
  }

  /** Seals mirrored events: their leaves are appended and covered by a checkpoint signed with the seal key. */
  async seal(events: readonly MirroredEvent[], cursor: MirrorCursor, state: MirrorState): Promise<Sealed> {
    const from = this.replica.receivedSize();
    const leaves: { idx: number; leaf: string }[] = [];
    let prev = this.lastHash;
    const hashes: string[] = [];
    for (const [i, m] of events.entries()) {
      const { text } = sealDraft(m.draft, { log: this.replica.origin, idx: from + i, prev });
      prev = leafHashHex(text);
      hashes.push(prev);
      leaves.push({ idx: from + i, leaf: text });
    }
    const pending: Pending = { size: from + events.length, cursor, state };
    const insert = this.db.prepare(
      'INSERT OR REPLACE INTO unleash_events (id, idx, digest, event) VALUES (?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const [i, m] of events.entries()) insert.run(m.event.id, from + i, m.digest, JSON.stringify(m.event));
      this.db.prepare('UPDATE unleash_mirror SET pending = ? WHERE id = 1').run(JSON.stringify(pending));
    })();
    if (leaves.length > 0) {
      const r = await this.replica.appendEntries(leaves);
      if (r.rejected !== null || r.receivedSize !== pending.size) {
        this.rebuildFrontier();
        const why = r.rejected === null ? `${r.receivedSize} entries held` : `${r.rejected.code}: ${r.rejected.detail}`;
        throw new AppError(
          'E_SEAL_FAILED',
          `The mirrored events could not be sealed into the replica (${why}). Nothing was lost upstream; the mirror ` +
            'stopped here. Verify the replica with `tombstone-console verify --db`.',
        );
      }
      for (const h of hashes) this.range.append(fromHex(h));
      this.lastHash = prev;
    }
    const root = await this.checkpoint();
    this.commit(pending);
    return { from, to: pending.size, root };
  }

  private commit(p: Pending): void {
    this.db
      .prepare('UPDATE unleash_mirror SET size = ?, cursor = ?, state = ?, pending = NULL WHERE id = 1')
      .run(p.size, JSON.stringify(p.cursor), JSON.stringify(p.state));
  }

  /** Signs and applies a checkpoint over everything held; returns the root (hex). */
  private async checkpoint(): Promise<string> {
    const size = this.replica.receivedSize();
    if (this.range.size !== size) this.rebuildFrontier();
    const root = this.range.root();
    const status = this.replica.status();
    if (status.verifiedSize === size && status.root === toHex(root)) return status.root;
    const note = signCheckpoint(sha256, { origin: this.replica.origin, size, root }, [this.signer]);
    const out = await this.replica.applyCheckpoint(note);
    if (out.kind !== 'promoted' && out.kind !== 'duplicate') {
      const why = out.kind === 'rejected' ? `${out.code}: ${out.detail}` : out.kind;
      throw new AppError(
        'E_SEAL_FAILED',
        `The replica refused the mirror's own checkpoint at size ${size} (${why}); its leaves or its trusted seal ` +
          'key changed behind the mirror. Verify it with `tombstone-console verify --db`.',
      );
    }
    return toHex(root);
  }

  /** Every mirrored event (id, sealed digest, the event as mirrored), for the re-read. */
  records(): MirroredRecord[] {
    const rows = this.db.prepare('SELECT id, digest, event FROM unleash_events ORDER BY idx').all() as {
      id: number;
      digest: string;
      event: string;
    }[];
    return rows.map((r) => ({ id: r.id, digest: r.digest, event: JSON.parse(r.event) as UnleashEvent }));
  }

  /** The replica index of a mirrored Unleash event, or null. */
  idxOfEvent(id: number): number | null {
    const row = this.db.prepare('SELECT idx FROM unleash_events WHERE id = ?').get(id) as { idx: number } | undefined;
    return row?.idx ?? null;
  }

  /** Stores an upstream rewrite; returns it as evidence, or null when the same finding was stored before. */
  recordAlert(a: UpstreamRewriteAlert): Evidence | null {
    const idx = a.eventId === null ? null : this.idxOfEvent(a.eventId);
    const r = this.db
      .prepare(
        `INSERT OR IGNORE INTO unleash_alerts (event_id, kind, upstream_digest, idx, detail, mirrored, upstream, detected_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        a.eventId === null ? `anchor:${(a.missingIds ?? []).join(',')}` : String(a.eventId),
        a.kind,
        a.upstream?.digest ?? '',
        idx,
        a.message,
        a.mirrored === null ? null : JSON.stringify(a.mirrored),
        a.upstream === null ? null : JSON.stringify(a.upstream),
        a.detectedAt,
      );
    if (r.changes === 0) return null;
    return this.alerts().find((e) => e.id === UPSTREAM_ALERT_ID_BASE + Number(r.lastInsertRowid)) ?? null;
  }

  /** Every upstream rewrite found so far, as evidence (notes: the mirrored version, then Unleash's current one). */
  alerts(): Evidence[] {
    return alertsOf(this.db);
  }
}

/** The upstream rewrites stored in a replica file (none when it is not an Unleash mirror). */
export function alertsOf(db: Database.Database): Evidence[] {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'unleash_alerts'").get();
  if (has === undefined) return [];
  const rows = db.prepare('SELECT * FROM unleash_alerts ORDER BY seq').all() as {
    seq: number;
    kind: string;
    idx: number | null;
    detail: string;
    mirrored: string | null;
    upstream: string | null;
    detected_at: string;
  }[];
  // Offset so these ids never meet the replica's own evidence ids in one list.
  return rows.map((r) => ({
    id: UPSTREAM_ALERT_ID_BASE + r.seq,
    kind: `upstream-${r.kind.replace('_', '-')}`,
    code: 'E_UPSTREAM_REWRITE',
    idx: r.idx,
    detail: r.detail,
    notes: [`mirrored: ${r.mirrored ?? 'null'}`, `upstream: ${r.upstream ?? 'null'}`],
    at: r.detected_at,
  }));
}
