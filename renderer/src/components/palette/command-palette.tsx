/** The command palette (Ctrl/Cmd+K): type to filter every action and search every flag; arrows + Enter run. */
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { trapTab } from '../../ui/dialog-frame.tsx';
import { useApp, useAppStore } from '../../store-context.tsx';
import { buildCommands, filterCommands, type Command } from './commands.ts';

const MAX_SHOWN = 60;

/** Renders nothing unless the palette overlay is open. */
export function CommandPalette() {
  const open = useApp((s) => s.overlay === 'palette');
  return open ? <Palette /> : null;
}

function Palette() {
  const store = useAppStore();
  const id = useId();
  const setOverlay = useApp((s) => s.setOverlay);
  const searchFlags = useApp((s) => s.searchFlags);
  const replica = useApp((s) => s.replica);
  // Rebuild when anything a command depends on changes.
  const deps = useApp(
    useShallow((s) => [
      s.flagResults,
      s.correlation,
      s.incidents,
      s.changeRequests,
      s.profiles,
      s.sync,
      s.identity,
      s.breakGlassUses,
      s.verifyRun,
      s.theme,
      s.changesScope,
      s.replica,
    ]),
  );
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const ref = useRef<HTMLDivElement>(null);
  const previous = useRef<Element | null>(document.activeElement);
  useEffect(() => {
    if (replica === 'present') void searchFlags(query);
  }, [query, searchFlags, replica]);
  // On close, focus goes back where it was, unless the command just moved it somewhere (a panel, a card, a dialog).
  useEffect(
    () => () => {
      const now = document.activeElement;
      if ((now === null || now === document.body) && previous.current instanceof HTMLElement) previous.current.focus();
    },
    [],
  );
  const shown = useMemo(
    () => filterCommands(buildCommands(store.getState()), query).slice(0, MAX_SHOWN),
    [query, store, deps],
  );
  const run = (c: Command | undefined): void => {
    if (!c || c.disabled) return;
    setOverlay(null);
    c.run();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (e.key === 'ArrowDown') setActive(Math.min(shown.length - 1, active + 1));
    else if (e.key === 'ArrowUp') setActive(Math.max(0, active - 1));
    else if (e.key === 'Enter') run(shown[active]);
    else if (e.key === 'Escape') setOverlay(null);
    else return trapTab(e, ref.current);
    e.preventDefault();
    e.stopPropagation();
  };
  return (
    <div
      className="backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) setOverlay(null);
      }}
    >
      <div
        ref={ref}
        className="palette"
        role="dialog"
        aria-modal="true"
        aria-label="Command palette"
        data-testid="command-palette"
        onKeyDown={onKeyDown}
      >
        <input
          autoFocus
          role="combobox"
          aria-expanded="true"
          aria-controls={`${id}-list`}
          aria-autocomplete="list"
          aria-activedescendant={shown[active] ? `${id}-${active}` : undefined}
          aria-label="Type a command or a flag"
          placeholder="Type a command or a flag…"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          data-testid="palette-input"
        />
        <ul id={`${id}-list`} role="listbox" aria-label="Commands">
          {shown.map((c, i) => (
            <li
              key={c.id}
              id={`${id}-${i}`}
              role="option"
              aria-selected={i === active}
              aria-disabled={c.disabled !== null}
              className={`${i === active ? 'active' : ''} ${c.disabled ? 'disabled' : ''}`}
              data-testid={`command-${c.id}`}
              onMouseEnter={() => setActive(i)}
              onMouseDown={(e) => {
                e.preventDefault();
                run(c);
              }}
            >
              <span className="group">{c.group}</span> {c.label}
              {c.disabled && <span className="why"> — {c.disabled}</span>}
            </li>
          ))}
          {shown.length === 0 && (
            <li className="muted" role="option" aria-selected="false" aria-disabled="true">
              No command or flag matches.
            </li>
          )}
        </ul>
      </div>
    </div>
  );
}
