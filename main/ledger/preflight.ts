/**
 * The check a replica passes before anything new is appended to it, wherever it is opened (the console at launch, the
 * headless `sync` before its first request). It has two halves:
 *   - `preflight`, before anything is served or fetched: open the replica (log origin, high-water mark, missing
 *     verified rows), then the cheap check (launch-check.ts: signed checkpoints and their peaks, the state, the stored
 *     leaf hashes since the previous checkpoint, the unverified tail in deep mode). Its cost does not grow with the
 *     ledger. When it fails, the deep verification runs at once to name the first failing index and code, so the
 *     verdict is exactly the one `verify --db` gives.
 *   - `deepCheck`, started right after (the console runs it in the background on worker threads; `sync` holds its
 *     writes until it ends): every verified row and checkpoint re-verified in deep mode, as `verify --db` does.
 * A replica that fails either is never advanced: appending verified entries on top of a damaged history would vouch
 * for it.
 */
import { existsSync } from 'node:fs';
import { LedgerError } from '../../shared/ledger/index.ts';
import type { Replica } from './replica.ts';
import { cheapCheck, type CheapCheckResult } from './launch-check.ts';
import { verifyReplicaFile } from './verify-run.ts';
import type { FailedCheck, VerifyOptions, VerifyReport } from './verify-types.ts';

/** Why a replica was refused: which check, its code, the first failing index (if any) and a sentence. */
export interface PreflightFailure {
  check: FailedCheck | 'open';
  code: string;
  idx: number | null;
  detail: string;
}

/** The outcome: the open replica (null when there was none, or it could not be opened) and the failure, if any. */
export interface Preflight {
  replica: Replica | null;
  failure: PreflightFailure | null;
  /** What the cheap check covered (null when it did not run: no replica, or it could not be opened). */
  cheap: CheapCheckResult | null;
}

/** The failure a deep report names, or null when it verified (stored evidence is the engine's to report). */
function failureOf(report: VerifyReport): PreflightFailure | null {
  if (report.ok || report.failedCheck === 'evidence') return null;
  return {
    check: report.failedCheck ?? 'integrity',
    code: report.code ?? 'ROOT_MISMATCH',
    idx: report.idx,
    detail: report.detail,
  };
}

/**
 * Opens the replica at `path` with `open` and runs the cheap check with `options` (origin and trusted keys default to
 * the replica's own). A missing file is no failure (there is nothing to build on yet). Stored evidence is not a
 * preflight failure either: the replica is halted by it and the engine reports it with its own code. A refused replica
 * is still returned open (when it could be opened), for reading. Passing it does not make the rows below the previous
 * checkpoint verified: run `deepCheck` for that.
 */
export async function preflight(path: string, open: () => Replica, options: VerifyOptions): Promise<Preflight> {
  if (!existsSync(path)) return { replica: null, failure: null, cheap: null };
  let replica: Replica;
  try {
    replica = open();
  } catch (err) {
    if (!(err instanceof LedgerError)) throw err;
    return { replica: null, failure: { check: 'open', code: err.code, idx: err.idx, detail: err.detail }, cheap: null };
  }
  try {
    const cheap = cheapCheck(path, options.origin ?? replica.origin, options.trustedKeys ?? replica.trustedKeys());
    if (cheap.failure === null) return { replica, failure: null, cheap };
    // Something is wrong: the deep check names the first failing index and code (the same verdict as `verify --db`).
    const deep = failureOf(await verifyReplicaFile(path, { ...options, mode: 'deep' }));
    return { replica, failure: deep ?? { check: 'integrity', ...cheap.failure }, cheap };
  } catch (err) {
    replica.close();
    throw err;
  }
}

/**
 * The deep half: re-verifies every verified row and checkpoint of `path` (worker threads, progress, cancellable by
 * `options.signal`) and resolves to the failure or null. The high-water mark is not compared again: `preflight`
 * compared it at open, and a sync running meanwhile moves it forward.
 */
export async function deepCheck(
  path: string,
  options: VerifyOptions,
): Promise<{ failure: PreflightFailure | null; report: VerifyReport }> {
  const report = await verifyReplicaFile(path, { ...options, mode: 'deep', highWaterMark: null });
  return { failure: failureOf(report), report };
}
