/**
 * Persisted metrics for offline viewing of the last hours: one small SQLite file per profile (separate from the ledger
 * replica, which only holds verifiable data). Writes are batched; rows older than the retention are pruned.
 */
import Database from 'better-sqlite3';
import type { MetricSample } from './metrics-window.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS metric_points (
  service TEXT NOT NULL,
  t INTEGER NOT NULL,
  error_rate REAL NOT NULL,
  p95_ms REAL NOT NULL,
  rps REAL NOT NULL,
  PRIMARY KEY (service, t)
) WITHOUT ROWID;`;

/** A metrics file. */
export class MetricsStore {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.upsert = this.db.prepare(
      'INSERT INTO metric_points (service, t, error_rate, p95_ms, rps) VALUES (?, ?, ?, ?, ?) ON CONFLICT (service, t) DO UPDATE SET error_rate = excluded.error_rate, p95_ms = excluded.p95_ms, rps = excluded.rps',
    );
  }

  /** Writes samples in one transaction. */
  save(samples: readonly MetricSample[]): void {
    if (samples.length === 0) return;
    this.db.transaction(() => {
      for (const s of samples) this.upsert.run(s.service, s.t, s.errorRate, s.p95Ms, s.rps);
    })();
  }

  /** Samples with t ≥ since, oldest first. */
  load(since: number): MetricSample[] {
    const rows = this.db
      .prepare('SELECT service, t, error_rate, p95_ms, rps FROM metric_points WHERE t >= ? ORDER BY t')
      .all(since) as { service: string; t: number; error_rate: number; p95_ms: number; rps: number }[];
    return rows.map((r) => ({ service: r.service, t: r.t, errorRate: r.error_rate, p95Ms: r.p95_ms, rps: r.rps }));
  }

  /** Deletes rows older than `before`. */
  prune(before: number): void {
    this.db.prepare('DELETE FROM metric_points WHERE t < ?').run(before);
  }

  /** Closes the file. */
  close(): void {
    this.db.close();
  }
}
