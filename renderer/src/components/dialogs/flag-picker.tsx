/** Type-ahead flag search (ARIA combobox): type to search the replica's flags, arrows to move, Enter to pick. */
import { useEffect, useId, useState, type KeyboardEvent } from 'react';
import { ErrorLine } from '../../ui/error-line.tsx';
import { useApp } from '../../store-context.tsx';

/** The combobox; `onPick` receives the chosen flag key. */
export function FlagPicker({ onPick }: { onPick: (key: string) => void }) {
  const id = useId();
  const search = useApp((s) => s.searchFlags);
  const results = useApp((s) => s.flagResults);
  const error = useApp((s) => s.flagSearchError);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  useEffect(() => {
    void search(query);
  }, [query, search]);
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>): void => {
    if (e.key === 'ArrowDown') setActive(Math.min(results.length - 1, active + 1));
    else if (e.key === 'ArrowUp') setActive(Math.max(0, active - 1));
    else if (e.key === 'Enter') {
      const pick = results[active];
      if (pick) onPick(pick.key);
    } else return;
    e.preventDefault();
  };
  return (
    <div className="flag-picker">
      <label htmlFor={`${id}-q`}>Flag</label>
      <input
        id={`${id}-q`}
        role="combobox"
        aria-expanded={results.length > 0}
        aria-controls={`${id}-list`}
        aria-autocomplete="list"
        aria-activedescendant={results[active] ? `${id}-opt-${active}` : undefined}
        value={query}
        placeholder="type a flag key, owner or service…"
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
        data-autofocus
        data-testid="flag-search"
      />
      <ErrorLine error={error} />
      <ul id={`${id}-list`} role="listbox" aria-label="Matching flags">
        {results.map((f, i) => (
          <li
            key={f.key}
            id={`${id}-opt-${i}`}
            role="option"
            aria-selected={i === active}
            className={i === active ? 'active' : undefined}
            onMouseDown={(e) => {
              e.preventDefault();
              onPick(f.key);
            }}
          >
            <code>{f.key}</code> <span className={`pill tier tier-${f.tier}`}>{f.tier}</span>{' '}
            <span className="muted">
              {f.owner} · {f.services.join(', ')}
            </span>
            {f.tombstoned && <span className="pill">tombstoned</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}
