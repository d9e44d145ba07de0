/**
 * Indexes one batch of entries: a view_entries row per entry (unreadable leaves get a placeholder row, so every idx
 * has one and unfiltered pages stay plain idx ranges), catalog history, incident and change-request refs, and the
 * touched flag records, written once at the end of the batch.
 */
import type Database from 'better-sqlite3';
import { foldCatalogEntry } from '../../shared/correlate/index.ts';
import type { LedgerLeaf } from '../../shared/ledger/index.ts';
import { entryFacts } from '../../shared/state/entry-facts.ts';
import { isEnvStateLike, setsEnvState, statesSetBy, toEnvState } from '../../shared/state/env-state.ts';
import { loadFlag, saveFlag, type FlagRecord } from './flag-store.ts';
import { applyIncidentLeaf } from './incident-store.ts';
import { internName } from './names.ts';
import { NAME_KIND, REF_KIND } from './schema.ts';
import { parseLeaf, stmt } from './sql.ts';

const COLUMNS = 10;
const MULTI = 32;
const ACTOR_TYPES: Readonly<Record<string, number>> = { user: 0, service: 1, system: 2 };
/** Action name of placeholder rows for leaves that cannot be read. */
export const UNREADABLE_ACTION = 'unreadable.entry';
/** Actor of placeholder rows (parenthesised, so it reads as no real id). */
export const UNREADABLE_ACTOR = '(unreadable)';

/** Running values carried from entry to entry. */
export interface RunningState {
  /** Latest timestamp seen (placeholders reuse it). */
  lastMs: number | null;
  /** No timestamp went backwards so far (then a time window is an idx range). */
  sorted: boolean;
  /** Entries that changed what users get, so far (each row stores this prefix count as change_rank). */
  changes: number;
}

/** Accumulates one batch; `finish` writes what is buffered. */
export class BatchIndexer {
  private readonly db: Database.Database;
  private readonly flags = new Map<string, FlagRecord>();
  /** Per flag, the last state value seen for each environment in this batch (built into EnvStates once, at finish). */
  private readonly pending = new Map<string, Map<string, unknown>>();
  readonly changeRequests = new Set<string>();
  private readonly params: unknown[] = [];
  readonly running: RunningState;

  constructor(db: Database.Database, running: RunningState) {
    this.db = db;
    this.running = { ...running };
  }

  /** Indexes the entry at `idx` from its exact leaf text. */
  add(idx: number, text: string): void {
    const leaf = parseLeaf(text);
    if (leaf === null || leaf.idx !== idx) {
      const r = this.running;
      this.row(
        idx,
        r.lastMs ?? 0,
        2,
        internName(this.db, NAME_KIND.actor, UNREADABLE_ACTOR),
        internName(this.db, NAME_KIND.action, UNREADABLE_ACTION),
        null,
        null,
        0,
        0,
        r.changes,
      );
      return;
    }
    this.addLeaf(idx, leaf);
  }

  private addLeaf(idx: number, leaf: LedgerLeaf): void {
    const db = this.db;
    const facts = entryFacts(leaf);
    const ms = Date.parse(leaf.ts);
    const r = this.running;
    if (r.lastMs !== null && ms < r.lastMs) r.sorted = false;
    r.lastMs = r.lastMs === null ? ms : Math.max(ms, r.lastMs);
    if (facts.change) r.changes++;
    const fid = leaf.flag === null ? null : internName(db, NAME_KIND.flag, leaf.flag);
    this.row(
      idx,
      ms,
      ACTOR_TYPES[leaf.actor.type] ?? 2,
      internName(db, NAME_KIND.actor, leaf.actor.id),
      internName(db, NAME_KIND.action, leaf.action),
      fid,
      leaf.env === null ? null : internName(db, NAME_KIND.env, leaf.env),
      facts.change ? 1 : 0,
      facts.setsState ? 1 : 0,
      r.changes,
    );
    if (leaf.flag !== null && fid !== null && (facts.catalog || facts.setsState))
      this.flagFacts(leaf, leaf.flag, fid, facts.catalog);
    if (facts.incident !== null) {
      stmt(db, 'INSERT OR IGNORE INTO view_refs (kind, ref, idx) VALUES (?, ?, ?)').run(
        REF_KIND.incident,
        facts.incident,
        idx,
      );
      applyIncidentLeaf(db, leaf);
    }
    if (facts.changeRequest !== null) {
      stmt(db, 'INSERT OR IGNORE INTO view_refs (kind, ref, idx) VALUES (?, ?, ?)').run(
        REF_KIND.changeRequest,
        facts.changeRequest,
        idx,
      );
      this.changeRequests.add(facts.changeRequest);
    }
  }

  private flagFacts(leaf: LedgerLeaf, flag: string, fid: number, catalog: boolean): void {
    let rec = this.flags.get(flag);
    if (rec === undefined) {
      rec = loadFlag(this.db, flag) ?? { flag, fid, info: null, states: {}, infoChanged: false };
      this.flags.set(flag, rec);
    }
    if (catalog) {
      const next = foldCatalogEntry(rec.info ?? undefined, leaf);
      if (next !== undefined && next !== rec.info) {
        rec.info = next;
        rec.infoChanged = true;
        stmt(this.db, 'INSERT OR REPLACE INTO view_catalog (idx, flag, info) VALUES (?, ?, ?)').run(
          leaf.idx,
          flag,
          JSON.stringify(next),
        );
      }
    }
    if (leaf.env === null) {
      this.applyPending(rec);
      Object.assign(rec.states, statesSetBy(leaf));
    } else if (isEnvStateLike(leaf.after) && setsEnvState(leaf)) {
      let envs = this.pending.get(flag);
      if (envs === undefined) this.pending.set(flag, (envs = new Map()));
      envs.set(leaf.env, leaf.after);
    }
  }

  private applyPending(rec: FlagRecord): void {
    const envs = this.pending.get(rec.flag);
    if (envs === undefined) return;
    for (const [env, value] of envs) {
      const state = toEnvState(value);
      if (state !== null) rec.states[env] = state;
    }
    this.pending.delete(rec.flag);
  }

  private row(...values: unknown[]): void {
    for (const v of values) this.params.push(v);
    if (this.params.length === COLUMNS * MULTI) this.flushRows();
  }

  private flushRows(): void {
    const n = this.params.length / COLUMNS;
    if (n === 0) return;
    const one = `(${Array.from({ length: COLUMNS }, () => '?').join(', ')})`;
    stmt(
      this.db,
      `INSERT OR REPLACE INTO view_entries (idx, ts_ms, actor_type, actor, action, flag, env, change, sets_state, change_rank) VALUES ${Array.from({ length: n }, () => one).join(', ')}`,
    ).run(...this.params);
    this.params.length = 0;
  }

  /** Writes buffered rows and every touched flag record. */
  finish(): void {
    this.flushRows();
    for (const rec of this.flags.values()) {
      this.applyPending(rec);
      saveFlag(this.db, rec);
    }
  }
}
