/** Loads a flag's detail through the store (cached) and reports the load error with its code. */
import { useEffect, useState } from 'react';
import type { FlagDetail } from '../../../../shared/ipc/contract.ts';
import type { IpcError } from '../../../../shared/ipc/result.ts';
import { useApp } from '../../store-context.tsx';

/** The detail of `key` (null while loading or without a key) and the error of the last load. */
export function useFlagDetail(key: string | null): { flag: FlagDetail | null; error: IpcError | null } {
  const loadFlag = useApp((s) => s.loadFlag);
  const flag = useApp((s) => (key ? (s.flagDetails[key] ?? null) : null));
  const [error, setError] = useState<IpcError | null>(null);
  useEffect(() => {
    if (!key) return;
    let live = true;
    void loadFlag(key).then((res) => {
      if (live) setError(res.ok ? null : res.error);
    });
    return () => {
      live = false;
    };
  }, [key, loadFlag]);
  return { flag, error };
}
