/** One error as the user sees it everywhere: its code, then what happened and what to do. */
import type { IpcError } from '../../../shared/ipc/result.ts';

/** Renders nothing for null. */
export function ErrorLine({ error, testId }: { error: IpcError | null; testId?: string }) {
  if (!error) return null;
  return (
    <p className="error-line" role="alert" data-testid={testId ?? 'error-line'}>
      <code className="error-code">{error.code}</code> <span>{error.message}</span>
    </p>
  );
}
