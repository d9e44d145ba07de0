/** The visible reason an action is unavailable (offline, role, sync state); buttons point at it with aria-describedby. */

/** Renders nothing when there is no reason. */
export function BlockedNote({ id, reason }: { id: string; reason: string | null }) {
  if (!reason) return null;
  return (
    <p className="blocked-note" id={id} data-testid="blocked-reason">
      {reason}
    </p>
  );
}
