/**
 * How a new incident reaches a responder who is busy: a prominent bar under the top bar with one button (and J) that
 * shows it; plus, always, the window title and an assertive live region, so it is heard and seen in the task bar.
 */
import { useEffect } from 'react';
import { useApp } from '../../store-context.tsx';
import { defaultIncident, headline } from '../../store/incidents-slice.ts';

const APP_TITLE = 'Tombstone Console';

/** The "New critical incident — jump (J)" bar; nothing when no incident waits. */
export function IncidentJumpBar() {
  const target = useApp((s) => s.jumpTarget);
  const jump = useApp((s) => s.jumpToIncident);
  const dismiss = useApp((s) => s.dismissJump);
  if (!target) return null;
  return (
    <div
      className={`jump-bar severity-${target.severity}`}
      role="region"
      aria-label="New incident"
      data-testid="jump-bar"
    >
      <strong>New {target.severity} incident</strong>
      <span className="jump-title">{headline(target)}</span>
      <button type="button" className="jump-button" onClick={() => void jump()} data-testid="jump-button">
        Jump to it <kbd>J</kbd>
      </button>
      <button type="button" onClick={dismiss} aria-label="Dismiss the new incident notice (it stays in the list)">
        Later
      </button>
    </div>
  );
}

/** The live region that reads new incidents aloud, and the window title that names the most severe active one. */
export function IncidentAnnouncer() {
  const announcement = useApp((s) => s.incidentAnnouncement);
  const incidents = useApp((s) => s.incidents);
  const mode = useApp((s) => s.info?.mode ?? null);
  const top = defaultIncident(incidents);
  const active = incidents.filter((i) => i.status !== 'resolved').length;
  useEffect(() => {
    document.title = top ? `(${active}) ${top.severity.toUpperCase()} ${headline(top)} — ${APP_TITLE}` : APP_TITLE;
  }, [top, active]);
  useEffect(() => {
    // Electron's main process shows the native notification for every new incident; in browser mode the page does,
    // when the browser allows it.
    if (!announcement || mode !== 'browser' || typeof Notification === 'undefined') return;
    if (Notification.permission === 'granted') new Notification(APP_TITLE, { body: announcement.text });
  }, [announcement, mode]);
  return (
    <div className="sr-only" aria-live="assertive" aria-atomic="true" data-testid="incident-live-region">
      {announcement?.text ?? ''}
    </div>
  );
}
