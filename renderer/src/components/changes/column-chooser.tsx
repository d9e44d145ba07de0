/** Column chooser: show or hide each hideable column of the changes table. */
import type { ReactTable } from '@tanstack/react-table';
import type { EntryRow } from '../../../../shared/ipc/contract.ts';
import type { changesFeatures } from './changes-columns.ts';

/** A disclosure with one checkbox per column. */
export function ColumnChooser({ table }: { table: ReactTable<typeof changesFeatures, EntryRow> }) {
  return (
    <details className="column-chooser">
      <summary>Columns</summary>
      <fieldset>
        <legend className="sr-only">Visible columns</legend>
        {table
          .getAllLeafColumns()
          .filter((c) => c.getCanHide())
          .map((c) => (
            <label key={c.id}>
              <input type="checkbox" checked={c.getIsVisible()} onChange={c.getToggleVisibilityHandler()} />{' '}
              {typeof c.columnDef.header === 'string' ? c.columnDef.header : c.id}
            </label>
          ))}
      </fieldset>
    </details>
  );
}
