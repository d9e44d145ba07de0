/** Under a reason field: how many more visible characters it needs (shared/text/visible-text.ts), or nothing. */
import { shortfallMessage } from '../../../shared/text/visible-text.ts';

/** The hint; `id` lets the field point at it with aria-describedby. */
export function ReasonHint({ id, text, min }: { id: string; text: string; min: number }) {
  const message = shortfallMessage(text, min);
  if (message === null) return null;
  return (
    <p id={id} className="reason-hint" data-testid="reason-hint">
      {message}
    </p>
  );
}
