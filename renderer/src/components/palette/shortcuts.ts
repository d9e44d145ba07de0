/** Global keyboard shortcuts (listed in the help overlay); single keys are ignored while typing in a field. */
import { useEffect } from 'react';
import type { AppStore } from '../../store/app-store.ts';
import { focusTestId } from './commands.ts';

/** The shortcut table shown by the help overlay. */
export const SHORTCUTS: readonly { keys: string; what: string }[] = [
  { keys: 'Ctrl/Cmd + K', what: 'Command palette: every action and every flag' },
  { keys: '?', what: 'This help' },
  { keys: 'Esc', what: 'Close the dialog, overlay or drawer' },
  { keys: 'J', what: 'Jump to the new incident announced in the bar' },
  { keys: '[ / ]', what: 'Previous / next active incident' },
  { keys: 'G', what: 'Focus the selected incident in the list' },
  { keys: '1 / 2 / 3', what: 'Focus candidate #1, #2, #3 (Tab reaches its buttons)' },
  { keys: 'K', what: 'Kill switch…' },
  { keys: 'R', what: 'Roll back candidate #1' },
  { keys: 'B', what: 'Break-glass override…' },
  { keys: 'I', what: 'Incident at time…' },
  { keys: 'L', what: 'Toggle the audit ledger drawer' },
  { keys: 'V', what: 'Verification and evidence' },
  { keys: 'C', what: 'Focus the changes table (arrows, Home/End, PgUp/PgDn, Enter)' },
  { keys: 'A', what: 'Focus the approvals queue' },
  { keys: 'F', what: "SDK fleet (the selected incident's service first)" },
  { keys: 'T', what: 'Toggle dark / light theme' },
  { keys: 'Tab / Shift+Tab', what: 'Move between controls; dialogs keep focus inside' },
];

function typing(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  );
}

function single(store: AppStore, key: string): boolean {
  const s = store.getState();
  const data = s.replica === 'present';
  const first = s.correlation?.candidates[0];
  switch (key) {
    case '?':
      s.setOverlay('help');
      return true;
    case 't':
      s.toggleTheme();
      return true;
    case 'j':
      if (s.jumpTarget) void s.jumpToIncident();
      return !!s.jumpTarget;
    case '[':
    case ']': {
      const active = s.incidents.filter((i) => i.status !== 'resolved');
      const at = active.findIndex((i) => s.selection?.kind === 'incident' && i.id === s.selection.id);
      const next = active[key === ']' ? at + 1 : at <= 0 ? active.length - 1 : at - 1] ?? active[0];
      if (next) {
        void s.selectIncident(next.id);
        document.querySelector<HTMLElement>(`[data-testid="incident-${next.id}"]`)?.focus();
      }
      return !!next;
    }
    case 'g':
      (
        document.querySelector<HTMLElement>('.incident-list [aria-current="true"]') ??
        document.querySelector<HTMLElement>('.incident-list button')
      )?.focus();
      return true;
    case '1':
    case '2':
    case '3':
      document.querySelector<HTMLElement>(`[data-testid="candidate-${key}"]`)?.focus();
      return true;
    case 'k':
      if (data) s.openDialog({ kind: 'kill', flag: null, env: null });
      return data;
    case 'b':
      if (data) s.openDialog({ kind: 'breakGlass', flags: [], envs: [], returnTo: null });
      return data;
    case 'i':
      if (data) s.openDialog({ kind: 'manualIncident' });
      return data;
    case 'r':
      if (first) s.openDialog({ kind: 'rollback', idx: first.ledger_idx });
      return !!first;
    case 'l':
      if (data) {
        if (s.drawer) s.closeDrawer();
        else s.openDrawer('audit');
      }
      return data;
    case 'v':
      if (data) s.openDrawer('verification');
      return data;
    case 'c':
      document.querySelector<HTMLElement>('[data-testid="changes-grid"]')?.focus();
      return true;
    case 'a':
      focusTestId('approvals');
      return true;
    case 'f':
      if (data) s.openDialog({ kind: 'fleet', service: s.correlation?.incident.service ?? null });
      return data;
    default:
      return false;
  }
}

/** Handles one keydown; exported for tests. */
export function handleShortcut(store: AppStore, e: KeyboardEvent): void {
  const s = store.getState();
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
    e.preventDefault();
    s.setOverlay(s.overlay === 'palette' ? null : 'palette');
    return;
  }
  if (e.key === 'Escape') {
    // The top layer closes, wherever focus is (a dialog handles its own Esc first when focus is inside it).
    if (s.overlay) s.setOverlay(null);
    else if (s.dialog) s.closeDialog();
    else if (s.drawer) s.closeDrawer();
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || s.dialog || s.overlay) return;
  if (single(store, e.key)) e.preventDefault();
}

/** Installs the shortcuts on `window` for the component's lifetime. */
export function useShortcuts(store: AppStore): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => handleShortcut(store, e);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);
}
