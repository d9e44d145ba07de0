/** The server's shared state handed to every domain function and route. */
import type { Db } from '../db/db.ts';
import type { LeafActor } from '../../shared/ledger/index.ts';
import type { Sql } from '../db/sql.ts';
import type { Store } from '../db/store.ts';
import type { Principal } from '../db/users.ts';
import type { Checkpointer } from '../ledger/checkpointer.ts';
import type { KeyRing } from '../ledger/keys.ts';
import type { StreamHub } from '../ledger/stream-hub.ts';
import type { LedgerWriter } from '../ledger/writer.ts';
import type { ResolvedOptions } from '../options.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import type { MetricsStore } from './metrics-store.ts';
import type { Notifier } from './notifier.ts';

/** Long-lived services of one running control plane. */
export interface App {
  options: ResolvedOptions;
  store: Store;
  db: Db;
  /**
   * The async seam for what needs no rule's transaction (authentication, SDK keys, LISTEN): on SQLite over the same
   * connection as `db`, on PostgreSQL a pool of its own. It serves only statements that stand alone or transactions
   * that await nothing but itself, so a Store transaction never runs inside one of its transactions.
   */
  sql: Sql;
  ledger: LedgerWriter;
  checkpoints: Checkpointer;
  keys: KeyRing;
  hub: StreamHub;
  notifier: Notifier;
  metrics: MetricsStore;
  /** The same buckets per flag and environment (key `flagSeriesKey`), from samples that name a flag. */
  flagMetrics: MetricsStore;
  breaker: CircuitBreaker;
  clock: () => number;
  /** HMAC key for rollback links (from `<data>/secret`, mode 0600; the same file on every instance of a database). */
  secret: Buffer;
  /** http://host:port once listening. */
  baseUrl: string;
}

/** Who is acting and when (the ledger timestamp). */
export interface ActionContext {
  actor: LeafActor;
  now: number;
}

/** The context of a person acting through the API. */
export function userContext(principal: Principal, now: number): ActionContext {
  return { actor: { type: 'user', id: principal.name }, now };
}

/** The circuit breaker's identity in the ledger. */
export const EVALUATOR: LeafActor = { type: 'system', id: 'system:evaluator' };
/** The scheduler's identity in the ledger. */
export const SCHEDULER: LeafActor = { type: 'system', id: 'system:scheduler' };
