/** All flag changes in the incident window (or the latest in the replica): filters, column chooser, table, detail. */
import { useTable } from '@tanstack/react-table';
import { ErrorLine } from '../../ui/error-line.tsx';
import { Panel } from '../../ui/panel.tsx';
import { useApp } from '../../store-context.tsx';
import { EntryDetailView } from '../ledger/entry-detail.tsx';
import { changesColumns, changesFeatures, FILTERABLE, optionsFor } from './changes-columns.ts';
import { ChangesTable } from './changes-table.tsx';
import { ColumnChooser } from './column-chooser.tsx';

/** The select's value of a column filter (services filters hold a one-element array for `arrIncludes`). */
function filterText(v: unknown): string {
  return Array.isArray(v) ? String(v[0] ?? '') : String(v ?? '');
}

/** The filter value for a select choice; empty clears the filter. */
function toFilterValue(col: string, v: string): string | string[] | undefined {
  if (!v) return undefined;
  return col === 'services' ? [v] : v;
}

/** The panel. */
export function ChangesPanel() {
  const changes = useApp((s) => s.changes);
  const total = useApp((s) => s.changesTotal);
  const error = useApp((s) => s.changesError);
  const scope = useApp((s) => s.changesScope);
  const setScope = useApp((s) => s.setChangesScope);
  const drawerOpen = useApp((s) => s.drawer !== null);
  const table = useTable({
    features: changesFeatures,
    columns: changesColumns,
    data: changes,
    enableSortingRemoval: false,
    initialState: { sorting: [{ id: 'idx', desc: scope === 'all' }], columnVisibility: { reason: false } },
  });
  const tools = (
    <>
      <label>
        <input
          type="checkbox"
          checked={scope === 'all'}
          onChange={(e) => setScope(e.target.checked ? 'all' : 'window')}
          data-testid="changes-scope-all"
        />{' '}
        everything in the replica
      </label>
      <ColumnChooser table={table} />
    </>
  );
  return (
    <Panel id="changes" title={`Changes · ${scope === 'window' ? 'incident window' : 'whole replica'}`} tools={tools}>
      <ErrorLine error={error} />
      <div className="filters" role="group" aria-label="Filter changes">
        <input
          aria-label="Filter by flag"
          placeholder="flag contains…"
          value={String(table.getColumn('flag')?.getFilterValue() ?? '')}
          onChange={(e) => table.getColumn('flag')?.setFilterValue(e.target.value || undefined)}
          data-testid="changes-filter-flag"
        />
        {FILTERABLE.map((col) => (
          <select
            key={col}
            aria-label={`Filter by ${col}`}
            value={filterText(table.getColumn(col)?.getFilterValue())}
            onChange={(e) => table.getColumn(col)?.setFilterValue(toFilterValue(col, e.target.value))}
          >
            <option value="">any {col}</option>
            {optionsFor(changes, col).map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        ))}
      </div>
      <p className="muted" role="status">
        {table.getRowModel().rows.length} shown of {changes.length}
        {total > changes.length &&
          ` (the latest ${changes.length} of ${total.toLocaleString('en-US')}; the ledger drawer pages through all)`}
      </p>
      <ChangesTable table={table} />
      {!drawerOpen && <EntryDetailView />}
    </Panel>
  );
}
