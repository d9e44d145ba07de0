/** Filters of the audit table; applied on submit so typing does not refetch on every key. */
import { useState, type FormEvent } from 'react';
import type { LedgerFilter } from '../../../../shared/ipc/contract.ts';
import { TIERS } from '../../../../shared/protocol/tier.ts';
import { localToIso } from '../incidents/manual-incident-dialog.tsx';
import { useApp } from '../../store-context.tsx';

const TEXT_FIELDS = ['flag', 'actor', 'action', 'service', 'team', 'env'] as const;

/** The filter form plus the order toggle. */
export function LedgerFilters() {
  const current = useApp((s) => s.ledgerFilter);
  const setFilter = useApp((s) => s.setLedgerFilter);
  const order = useApp((s) => s.ledgerOrder);
  const setOrder = useApp((s) => s.setLedgerOrder);
  const total = useApp((s) => s.ledgerTotal);
  const [draft, setDraft] = useState<LedgerFilter>(current);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setFilter({ ...draft, from: localToIso(from) ?? undefined, to: localToIso(to) ?? undefined });
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Filter the audit ledger">
      {TEXT_FIELDS.map((f) => (
        <input
          key={f}
          aria-label={`Ledger filter ${f}`}
          placeholder={f}
          value={draft[f] ?? ''}
          onChange={(e) => setDraft({ ...draft, [f]: e.target.value })}
        />
      ))}
      <select
        aria-label="Ledger filter tier"
        value={draft.tier ?? ''}
        onChange={(e) => {
          const tier = TIERS.find((t) => t === e.target.value);
          setDraft({ ...draft, tier });
        }}
      >
        <option value="">any tier</option>
        {TIERS.map((t) => (
          <option key={t}>{t}</option>
        ))}
      </select>
      <input
        type="datetime-local"
        step={1}
        aria-label="From (local time)"
        value={from}
        onChange={(e) => setFrom(e.target.value)}
      />
      <input
        type="datetime-local"
        step={1}
        aria-label="To (local time)"
        value={to}
        onChange={(e) => setTo(e.target.value)}
      />
      <label>
        <input
          type="checkbox"
          checked={draft.changesOnly ?? false}
          onChange={(e) => setDraft({ ...draft, changesOnly: e.target.checked })}
        />{' '}
        changes only
      </label>
      <button type="submit">Apply</button>
      <button
        type="button"
        onClick={() => {
          setDraft({});
          setFrom('');
          setTo('');
          setFilter({});
        }}
      >
        Clear
      </button>
      <button
        type="button"
        onClick={() => setOrder(order === 'desc' ? 'asc' : 'desc')}
        aria-label={`Order: ${order === 'desc' ? 'newest first' : 'oldest first'}; switch`}
      >
        {order === 'desc' ? 'Newest first' : 'Oldest first'}
      </button>
      <span className="muted" role="status" data-testid="ledger-total">
        {total === null ? 'counting…' : `${total.toLocaleString('en-US')} entries`}
      </span>
    </form>
  );
}
