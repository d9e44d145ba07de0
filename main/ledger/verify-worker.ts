/**
 * Worker-thread entry of full re-verification. Workers are pooled and reused across runs (their start-up, which loads
 * the TypeScript modules and SQLite, costs more than verifying 100k entries); each run opens its own read-only
 * connection ('begin') and closes it ('end'), so a database file replaced between runs is never read stale.
 */
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { ChunkTask, VerifyMode } from './verify-types.ts';
import { ChunkVerifier } from './verify-chunk.ts';
import { openVerifyConnection } from './verify-db.ts';
import { HashTurn } from './hash-turn.ts';

/** Messages a worker accepts. */
export type WorkerRequest =
  | { type: 'begin'; path: string; origin: string; mode: VerifyMode; turn: SharedArrayBuffer }
  | { type: 'task'; task: ChunkTask }
  | { type: 'end' };

const port = parentPort;
// A background worker lowers its own thread's priority once (the pool asks for it only where that stays per thread).
// Relative to the thread's inherited nice value (a console started with `nice` stays below it), at most 19.
const nicer = (workerData as { nicer?: number } | null)?.nicer ?? 0;
if (nicer > 0) {
  try {
    const inherited = getPriority();
    if (inherited < 19) setPriority(Math.min(19, inherited + nicer));
  } catch {
    // Not permitted here: the check runs at the normal priority, only less politely.
  }
}
if (port !== null) {
  let db: Database.Database | null = null;
  let verifier: ChunkVerifier | null = null;
  // Rows done since the last result: they travel with the next result (one message per chunk, not two).
  let rows = 0;
  const close = (): void => {
    db?.close();
    [db, verifier] = [null, null];
  };
  port.on('message', (m: WorkerRequest) => {
    try {
      if (m.type === 'begin') {
        close();
        db = openVerifyConnection(m.path);
        rows = 0;
        verifier = new ChunkVerifier(
          db,
          m.origin,
          m.mode,
          (n) => {
            rows += n;
          },
          new HashTurn(m.turn),
        );
      } else if (m.type === 'end') {
        close();
      } else {
        if (verifier === null) throw new Error('E_INTERNAL: task before begin');
        const result = verifier.run(m.task);
        port.postMessage({ type: 'result', result, rows });
        rows = 0;
      }
    } catch (err) {
      port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  });
}
