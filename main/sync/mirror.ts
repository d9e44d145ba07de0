/**
 * One session's ingestion logic on top of the replica: it feeds entries and checkpoints in, turns every outcome into
 * events (appended, verified, alert), and records which range must still be fetched (gaps, checkpoints ahead of their
 * entries, refetch after a consistency proof). `settle()` then backfills until that range is held. Evidence halts;
 * a transient problem asks the engine to reconnect.
 */
import type { Replica } from '../ledger/replica.ts';
import type { AppendResult, CheckpointOutcome, IncomingEntry, LedgerProblem } from '../ledger/replica-types.ts';
import { alertOf, engineAlert } from './alerts.ts';
import { DEFAULT_CONCURRENCY, DEFAULT_PAGE_SIZE, backfill, type Page } from './backfill.ts';
import { SyncHalt, SyncRetry, type SyncLog } from './errors.ts';
import type { SyncEmitter } from './events.ts';
import type { SyncTarget } from './http.ts';
import { fetchCheckpointAt, fetchCheckpointNote } from './handshake.ts';

/** What the engine needs from a replica (the real one is main/ledger/replica.ts). */
export type SyncReplica = Pick<
  Replica,
  | 'origin'
  | 'appendEntries'
  | 'applyCheckpoint'
  | 'checkDivergence'
  | 'receivedSize'
  | 'status'
  | 'evidence'
  | 'addTrustedKey'
  | 'entries'
  | 'close'
>;

/** Where an input came from: the authoritative endpoints, or the stream (where damage in transit is expected). */
export type Source = 'stream' | 'backfill' | 'handshake';

/** Dependencies of a mirror. */
export interface MirrorDeps {
  replica: SyncReplica;
  target: SyncTarget;
  emitter: SyncEmitter;
  log: SyncLog;
  stopped(): boolean;
  /** Backfill progress: entries applied and planned in the current settle. */
  onProgress?(done: number, total: number): void;
  pageSize?: number;
  concurrency?: number;
  now?: () => number;
}

/** The same authoritative index rejected this often means the server itself serves a bad entry. */
const MAX_REJECTS = 3;
/** Settle rounds without progress before the session gives up (and reconnects). */
const MAX_STALLS = 3;

/** Feeds one replica for one session. */
export class Mirror {
  private received: number;
  private verified: number;
  private wanted = 0;
  private readonly rejects = new Map<number, number>();
  private readonly deps: MirrorDeps;
  private readonly now: () => number;
  private keyAlerted = false;

  constructor(deps: MirrorDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
    const status = deps.replica.status();
    this.received = status.receivedSize;
    this.verified = status.verifiedSize;
  }

  /** Entries held contiguously from 0. */
  get receivedSize(): number {
    return this.received;
  }

  /** Entries covered by a trusted checkpoint. */
  get verifiedSize(): number {
    return this.verified;
  }

  /** Asks settle() to hold at least `size` entries. */
  want(size: number): void {
    this.wanted = Math.max(this.wanted, size);
  }

  /** Appends entries and handles the result; `source` decides how a rejected entry is treated. */
  async ingest(entries: readonly IncomingEntry[], source: Source): Promise<void> {
    if (entries.length === 0) return;
    const before = this.received;
    const r = await this.deps.replica.appendEntries(entries);
    this.onAppend(r, before);
    if (r.rejected !== null) await this.onRejected(r.rejected, source, entries);
    if (r.gap !== null) this.want(r.gap.to);
    if (r.checkpoint !== null) this.onOutcome(r.checkpoint, source, null);
  }

  /** Applies a signed note; returns the outcome after handling it. */
  async checkpoint(note: string, source: Source): Promise<CheckpointOutcome> {
    const outcome = await this.deps.replica.applyCheckpoint(note);
    this.onOutcome(outcome, source, note);
    return outcome;
  }

  /** Records a rejected stream frame (never reaches the replica) and plans to refetch what it should have carried. */
  rejectFrame(problem: LedgerProblem): void {
    this.deps.log({
      level: 'warn',
      code: problem.code,
      message: `stream entry rejected: ${problem.detail}; it will be refetched`,
      idx: problem.idx,
    });
    if (problem.idx !== null) this.want(problem.idx + 1);
  }

  /** Backfills until every wanted entry is held. */
  async settle(): Promise<void> {
    const startedAt = this.received;
    let stalls = 0;
    while (this.received < this.wanted && !this.deps.stopped()) {
      const from = this.received;
      const total = this.wanted - startedAt;
      let replan = false;
      await backfill({
        target: this.deps.target,
        from,
        to: this.wanted,
        pageSize: this.deps.pageSize ?? DEFAULT_PAGE_SIZE,
        concurrency: this.deps.concurrency ?? DEFAULT_CONCURRENCY,
        stopped: () => replan || this.deps.stopped(),
        apply: async (page) => {
          await this.ingestPage(page);
          replan = this.received < page.start + page.leaves.length;
          this.deps.onProgress?.(this.received - startedAt, total);
        },
      });
      stalls = this.received > from ? 0 : stalls + 1;
      if (stalls >= MAX_STALLS) throw new SyncRetry('E_BACKFILL_STALLED', `backfill from ${from} made no progress`);
    }
  }

  private ingestPage(page: Page): Promise<void> {
    const entries = page.leaves.map((leaf, i) => ({ idx: page.start + i, leaf }));
    return this.ingest(entries, 'backfill');
  }

  private onAppend(r: AppendResult, before: number): void {
    this.received = r.receivedSize;
    this.verified = r.verifiedSize;
    if (r.receivedSize > before) this.deps.emitter.emit('ledger:appended', { receivedSize: r.receivedSize });
    if (r.equivocation !== null) {
      this.alert(r.equivocation.evidenceId);
      throw new SyncHalt(
        'EQUIVOCATION',
        `The control plane sent two different entries for index ${r.equivocation.idx}. Evidence was stored; syncing stopped.`,
      );
    }
  }

  private async onRejected(p: LedgerProblem, source: Source, entries: readonly IncomingEntry[]): Promise<void> {
    const last = entries[entries.length - 1];
    this.deps.log({ level: 'warn', code: p.code, message: `entry rejected (${source}): ${p.detail}`, idx: p.idx });
    // An authoritative entry that does not chain onto the last one we hold: the served history may not be ours.
    // Counted below all the same: a consistent server that keeps serving it is reported after MAX_REJECTS tries.
    if (source !== 'stream' && p.code === 'PREV_MISMATCH' && p.idx === this.received) await this.diverged();
    if (source !== 'stream' && p.idx !== null) {
      const n = (this.rejects.get(p.idx) ?? 0) + 1;
      this.rejects.set(p.idx, n);
      if (n >= MAX_REJECTS) {
        throw new SyncHalt(
          p.code,
          `The control plane keeps serving an invalid entry at index ${p.idx} (${p.code}: ${p.detail}). Syncing stopped; report this to its operators.`,
        );
      }
    }
    if (last !== undefined) this.want(last.idx + 1);
  }

  /**
   * Classifies a divergence the first time it is seen: the server's note at our verified size (a different root is
   * EQUIVOCATION), then its current note with a consistency proof from our verified checkpoint (a failing proof is a
   * FORK). Both halt with the two signed notes stored as evidence. When the server's history is consistent with what
   * we verified, our unverified entries (if any) are dropped and refetched; otherwise the served entry itself is bad.
   */
  private async diverged(): Promise<void> {
    const { replica, target } = this.deps;
    const verified = replica.status().verifiedSize;
    const atVerified = verified > 0 ? await fetchCheckpointAt(target, verified) : null;
    if (atVerified !== null) this.onOutcome(await replica.applyCheckpoint(atVerified), 'backfill', atVerified);
    const note = await fetchCheckpointNote(target);
    this.onOutcome(await replica.checkDivergence(note), 'backfill', note);
  }

  private onOutcome(o: CheckpointOutcome, source: Source, note: string | null): void {
    switch (o.kind) {
      case 'promoted':
        this.verified = o.to;
        this.deps.emitter.emit('ledger:verified', { verifiedSize: o.to, rootHex: o.root });
        return;
      case 'duplicate':
        return;
      case 'stale':
        this.deps.log({ level: 'info', code: o.code, message: `ignored an older checkpoint of size ${o.size}` });
        return;
      case 'awaiting_entries':
        this.want(o.size);
        return;
      case 'refetch':
        this.received = this.deps.replica.receivedSize();
        this.deps.log({
          level: 'warn',
          code: 'E_REFETCH',
          message: `unverified entries from ${o.from} did not reproduce the signed root but the log is consistent: refetching [${o.from}, ${o.to})`,
        });
        this.want(o.to);
        return;
      case 'needs_consistency_proof':
        throw new SyncRetry('E_CONSISTENCY_PROOF', o.detail);
      case 'rejected':
        this.onRejectedNote(o.code, o.detail, source, note);
        return;
      case 'equivocation':
      case 'fork':
        this.alert(o.evidenceId);
        throw new SyncHalt(
          o.code,
          `${o.code === 'FORK' ? 'A signed checkpoint contradicts the verified history' : 'The control plane signed two different views of the same size'} (size ${o.size}). Evidence was stored; syncing stopped.`,
        );
      case 'halted':
        throw new SyncHalt(o.code, `The replica is halted by earlier evidence (${o.code}); nothing more is ingested.`);
      default: {
        const never: never = o;
        throw new Error(`unknown checkpoint outcome ${JSON.stringify(never)}`);
      }
    }
  }

  private onRejectedNote(code: string, detail: string, source: Source, note: string | null): void {
    this.deps.log({ level: 'warn', code, message: `checkpoint rejected (${source}): ${detail}` });
    if (code === 'NO_TRUSTED_SIGNATURE' && !this.keyAlerted) {
      this.keyAlerted = true;
      const alert = engineAlert(
        'KEY_CHANGED',
        'NO_TRUSTED_SIGNATURE',
        `A checkpoint was signed only by keys this profile does not trust: ${detail}`,
        note === null ? [] : [note],
        this.now(),
      );
      this.deps.emitter.emit('ledger:alerted', alert);
    }
    if (source !== 'handshake') return;
    // The authoritative checkpoint itself is signed by no key valid for its size: the key changed (or expired).
    if (code === 'NO_TRUSTED_SIGNATURE')
      throw new SyncHalt(
        'E_KEY_CHANGED',
        `The control plane's checkpoint is signed by no key this profile trusts for its size (${detail}). Nothing new is verified until an administrator confirms the new key.`,
      );
    throw new SyncRetry(code, `the control plane's checkpoint was rejected: ${detail}`);
  }

  private alert(evidenceId: number): void {
    const e = this.deps.replica.evidence().find((x) => x.id === evidenceId);
    if (e !== undefined) this.deps.emitter.emit('ledger:alerted', alertOf(e));
  }
}
