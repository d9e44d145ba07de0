/**
 * A modal dialog: labelled, focus moves in on open, Tab cycles inside, Escape closes, focus returns to where it
 * was on close — so every dialog works from the keyboard alone.
 */
import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';

const FOCUSABLE =
  'button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [href], [tabindex]:not([tabindex="-1"])';

/** Tab / Shift+Tab wrap-around inside `root`. */
export function trapTab(e: KeyboardEvent, root: HTMLElement | null): void {
  if (e.key !== 'Tab' || !root) return;
  const items = [...root.querySelectorAll<HTMLElement>(FOCUSABLE)];
  const first = items[0];
  const last = items[items.length - 1];
  if (!first || !last) return;
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

/** The dialog chrome; `tone="danger"` marks destructive dialogs. */
export function DialogFrame({
  title,
  onClose,
  children,
  testId,
  tone,
  wide,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  testId: string;
  tone?: 'danger';
  /** Tables that need the width (the fleet). */
  wide?: boolean;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    // Where focus goes back when the invoking control is gone by then (e.g. a "Roll back" button replaced by what
    // the rollback did): the nearest region marked for it.
    const fallback = previous?.closest<HTMLElement>('[data-focus-return]') ?? null;
    // The marked field, else the dialog itself (its title is read; Tab reaches the first control).
    (ref.current?.querySelector<HTMLElement>('[data-autofocus]') ?? ref.current)?.focus();
    // A control that becomes disabled or disappears (a submit button once sent) drops focus to the page body, where
    // Esc and Tab no longer reach the dialog: keep focus inside.
    const keep = new MutationObserver(() => {
      const active = document.activeElement;
      if (ref.current && (active === null || active === document.body)) ref.current.focus();
    });
    if (ref.current) keep.observe(ref.current, { subtree: true, childList: true, attributes: true });
    return () => {
      keep.disconnect();
      if (previous?.isConnected && previous !== document.body) previous.focus();
      else if (fallback?.isConnected) fallback.focus();
      // Opened from the page itself (a shortcut): back to the triage screen, never the bare body.
      else document.querySelector<HTMLElement>('[data-testid="main-screen"]')?.focus();
    };
  }, []);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
    } else trapTab(e, ref.current);
  };
  return (
    <div
      className="backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        ref={ref}
        tabIndex={-1}
        className={`dialog ${tone === 'danger' ? 'dialog-danger' : ''} ${wide ? 'dialog-wide' : ''}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={testId}
        onKeyDown={onKeyDown}
      >
        <header className="dialog-head">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="icon" onClick={onClose} aria-label="Close dialog">
            ✕
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}
