/**
 * The check a replica passes before anything new is appended to it, wherever it is opened (the console at launch, the
 * headless `sync` before its first request): open it (log origin, high-water mark, missing verified rows), then
 * deep-verify every verified row and checkpoint. A replica that fails is never advanced: appending verified entries
 * on top of a damaged history would vouch for it.
 */
import { existsSync } from 'node:fs';
import { LedgerError } from '../../shared/ledger/index.ts';
import type { Replica } from './replica.ts';
import { verifyReplicaFile } from './verify-run.ts';
import type { FailedCheck, VerifyOptions } from './verify-types.ts';

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
}

/**
 * Opens the replica at `path` with `open` and deep-verifies it with `options`. A missing file is no failure (there is
 * nothing to build on yet). Stored evidence is not a preflight failure either: the replica is halted by it and the
 * engine reports it with its own code. A refused replica is still returned open (when it could be opened), for reading.
 */
export async function preflight(path: string, open: () => Replica, options: VerifyOptions): Promise<Preflight> {
  if (!existsSync(path)) return { replica: null, failure: null };
  let replica: Replica;
  try {
    replica = open();
  } catch (err) {
    if (!(err instanceof LedgerError)) throw err;
    return { replica: null, failure: { check: 'open', code: err.code, idx: err.idx, detail: err.detail } };
  }
  let report;
  try {
    report = await verifyReplicaFile(path, { ...options, mode: 'deep' });
  } catch (err) {
    replica.close();
    throw err;
  }
  if (report.ok || report.failedCheck === 'evidence') return { replica, failure: null };
  return {
    replica,
    failure: {
      check: report.failedCheck ?? 'integrity',
      code: report.code ?? 'ROOT_MISMATCH',
      idx: report.idx,
      detail: report.detail,
    },
  };
}
