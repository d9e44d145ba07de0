/** A refused rollback (compare-and-swap): what changed on the flag since the entry being rolled back. */
import { useEffect, useState } from 'react';
import type { EntryRow } from '../../../../shared/ipc/contract.ts';
import type { IpcError } from '../../../../shared/ipc/result.ts';
import { when } from '../../lib/when.ts';
import { ErrorLine } from '../../ui/error-line.tsx';
import { useApp } from '../../store-context.tsx';

/** Lists the later entries of the same flag and environment. */
export function ConflictView({ flag, env, idx }: { flag: string; env: string | null; idx: number }) {
  const changesSince = useApp((s) => s.changesSince);
  const [rows, setRows] = useState<EntryRow[] | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  useEffect(() => {
    let live = true;
    void changesSince(flag, env, idx).then((res) => {
      if (!live) return;
      if (res.ok) setRows(res.value);
      else setError(res.error);
    });
    return () => {
      live = false;
    };
  }, [changesSince, flag, env, idx]);
  return (
    <div className="conflict" data-testid="rollback-conflict">
      <h3>Changed since #{idx}</h3>
      <ErrorLine error={error} />
      {rows && rows.length === 0 && (
        <p>No later entry is in this replica yet; it may still be arriving. Wait for sync, then retry.</p>
      )}
      {rows && rows.length > 0 && (
        <ul>
          {rows.map((r) => (
            <li key={r.idx}>
              #{r.idx} {when(r.ts, Date.now())} · {r.actor} · {r.action}: {r.summary}
            </li>
          ))}
        </ul>
      )}
      <p>Review the newer state first; roll back the latest change instead, or kill the flag.</p>
    </div>
  );
}
