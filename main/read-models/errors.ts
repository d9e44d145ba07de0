/** The errors the read models throw on purpose (AppError: code and sentence reach the renderer unchanged). */
import { AppError } from '../ipc/app-error.ts';

/** E_ENTRY_NOT_FOUND: the replica holds no entry at `idx`. */
export function entryNotFound(idx: number, size: number): AppError {
  return new AppError(
    'E_ENTRY_NOT_FOUND',
    `The replica holds no ledger entry ${idx} (it holds entries 0 to ${size - 1}); it may not have synced that far yet.`,
  );
}

/** E_FLAG_NOT_FOUND: the ledger never defined `key`. */
export function flagNotFound(key: string): AppError {
  return new AppError(
    'E_FLAG_NOT_FOUND',
    `The ledger replica has no flag "${key}" (no flag.created entry for it); check the key or wait for the replica to sync.`,
  );
}
