/**
 * The database handle (SQLite, or PostgreSQL through PgSyncDatabase) plus one transaction discipline: `tx(fn)` runs fn
 * in a single database transaction (nested calls join the outer one), first running the begin hooks, and runs the
 * registered commit hooks only after COMMIT, rollback hooks only after ROLLBACK. The ledger writer uses the hooks so
 * in-memory state (tree, stream) never gets ahead of the database.
 *
 * `batch(fn)` is group commit for request handlers: jobs queued in the same event-loop turn run in one transaction,
 * each inside its own SAVEPOINT (a job alone needs none), so a failing job rolls back alone (database rows, staged
 * ledger entries and its commit hooks) while the others commit together; every job settles only after the shared
 * COMMIT.
 */
import type { Db, DbStatement, Engine } from './db.ts';

type Hook = () => void;

/** In-memory state that must follow savepoint rollbacks (the ledger writer's staged entries). */
export interface TxParticipant {
  mark(): number;
  reset(mark: number): void;
}

interface Job {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

const MAX_BATCH = 512;

/** Transaction wrapper around a synchronous database handle. */
export class Store {
  readonly db: Db;
  readonly engine: Engine;
  private depth = 0;
  private beginHooks: Hook[] = [];
  private commitHooks: Hook[] = [];
  private rollbackHooks: Hook[] = [];
  private readonly participants: TxParticipant[] = [];
  private queue: Job[] = [];
  private flushScheduled = false;
  // One transaction wrapper built once: better-sqlite3 builds four closures per db.transaction() call.
  private readonly runTx: (fn: () => unknown) => unknown;
  private readonly sp: { open: DbStatement; release: DbStatement; undo: DbStatement };

  constructor(db: Db, engine: Engine = 'sqlite') {
    this.db = db;
    this.engine = engine;
    this.runTx = db.transaction((fn: () => unknown) => {
      for (const h of this.beginHooks) h();
      return fn();
    });
    this.sp = {
      open: db.prepare('SAVEPOINT job'),
      release: db.prepare('RELEASE job'),
      undo: db.prepare('ROLLBACK TO job'),
    };
  }

  /** True inside tx(). */
  get inTx(): boolean {
    return this.depth > 0;
  }

  /** Registers in-memory state that savepoint rollbacks must rewind. */
  addParticipant(p: TxParticipant): void {
    this.participants.push(p);
  }

  /**
   * Registers work that runs first in every outermost transaction (PostgreSQL: the ledger writer locks the sequence
   * row there, so every writing transaction of every instance takes its locks in one order).
   */
  onBegin(hook: Hook): void {
    this.beginHooks.push(hook);
  }

  /** Runs fn atomically; a throw rolls back everything the outermost call did. */
  tx<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    this.depth = 1;
    let result: T;
    try {
      result = this.runTx(fn) as T;
    } catch (err) {
      this.depth = 0;
      const hooks = this.rollbackHooks;
      this.commitHooks = [];
      this.rollbackHooks = [];
      for (const h of hooks) h();
      throw err;
    }
    this.depth = 0;
    const hooks = this.commitHooks;
    this.commitHooks = [];
    this.rollbackHooks = [];
    for (const h of hooks) h();
    return result;
  }

  /** Queues fn for the next group commit; resolves with its result after COMMIT. */
  batch<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (this.queue.length >= MAX_BATCH) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Registers work to run after the current transaction commits (immediately when not in one). */
  afterCommit(hook: Hook): void {
    if (this.depth === 0) hook();
    else this.commitHooks.push(hook);
  }

  /** Registers work to run if the current transaction rolls back. */
  onRollback(hook: Hook): void {
    if (this.depth > 0) this.rollbackHooks.push(hook);
  }

  private savepoint(fn: () => unknown): unknown {
    const marks = this.participants.map((p) => p.mark());
    const hooks = this.commitHooks.length;
    const undo = this.rollbackHooks.length;
    this.sp.open.run();
    try {
      const result = fn();
      this.sp.release.run();
      return result;
    } catch (err) {
      this.sp.undo.run();
      this.sp.release.run();
      this.participants.forEach((p, i) => p.reset(marks[i] ?? 0));
      this.commitHooks.length = hooks;
      this.rollbackHooks.length = undo;
      throw err;
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const jobs = this.queue;
    this.queue = [];
    if (jobs.length === 0) return;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    // A job alone needs no savepoint: its failure rolls the whole transaction back, which is all it did.
    if (jobs.length === 1) {
      const job = jobs[0] as Job;
      let value: unknown;
      try {
        value = this.tx(job.fn);
      } catch (err) {
        job.reject(err);
        return;
      }
      job.resolve(value);
      return;
    }
    try {
      this.tx(() => {
        for (const job of jobs) {
          try {
            outcomes.push({ ok: true, value: this.savepoint(job.fn) });
          } catch (err) {
            outcomes.push({ ok: false, value: err });
          }
        }
      });
    } catch (err) {
      for (const job of jobs) job.reject(err);
      return;
    }
    jobs.forEach((job, i) => {
      const o = outcomes[i];
      if (o?.ok === true) job.resolve(o.value);
      else job.reject(o?.value);
    });
  }
}
