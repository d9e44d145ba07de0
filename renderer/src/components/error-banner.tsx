/** Shows the last background error with its code, what happened and what to do, until dismissed. */
import { useApp } from '../store-context.tsx';

/** Renders nothing when there is no error. */
export function ErrorBanner() {
  const error = useApp((s) => s.error);
  const dismiss = useApp((s) => s.dismissError);
  if (!error) return null;
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      <code className="error-code">{error.code}</code> <span>{error.message}</span>
      <button type="button" onClick={dismiss} aria-label="Dismiss error">
        Dismiss
      </button>
    </div>
  );
}
