/**
 * Server-sent events of the two streams. `GET /api/v1/ledger/stream`: `entry` (data: the exact canonical leaf text;
 * `id:` its index), `checkpoint` (a signed note), `heartbeat` (time and ledger size). `GET /api/v1/metrics/stream`:
 * `metrics` (a window per service), `fleet` (SDK instances, `FleetEventData`) and `heartbeat` (time).
 */

/** Event kinds of the ledger stream. */
export const LEDGER_EVENTS = { entry: 'entry', checkpoint: 'checkpoint', heartbeat: 'heartbeat' } as const;
/** An event kind of the ledger stream. */
export type LedgerEventKind = (typeof LEDGER_EVENTS)[keyof typeof LEDGER_EVENTS];

/** Data of a ledger `checkpoint` event. */
export interface CheckpointEventData {
  note: string;
}

/** Data of a ledger `heartbeat` event: server time and the log's size. */
export interface LedgerHeartbeatData {
  ts: string;
  size: number;
}

/** Event kinds of the metrics stream. */
export const METRICS_EVENTS = { metrics: 'metrics', fleet: 'fleet', heartbeat: 'heartbeat' } as const;
/** An event kind of the metrics stream. */
export type MetricsEventKind = (typeof METRICS_EVENTS)[keyof typeof METRICS_EVENTS];

/** Data of a metrics `heartbeat` event. */
export interface MetricsHeartbeatData {
  ts: string;
}

/** One SSE frame: `id:` (optional), `event:` and one `data:` line (data never holds a newline). */
export function sseFrame(event: string, data: string, id?: number): string {
  return id === undefined ? `event: ${event}\ndata: ${data}\n\n` : `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
}
