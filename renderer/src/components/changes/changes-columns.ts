/** Column definitions and table features of the changes table (@tanstack/react-table v9, client-side processing). */
import {
  columnFilteringFeature,
  columnVisibilityFeature,
  createColumnHelper,
  createFilteredRowModel,
  createSortedRowModel,
  filterFn_arrIncludes,
  filterFn_equalsString,
  filterFn_includesString,
  rowSortingFeature,
  sortFn_alphanumeric,
  sortFn_basic,
  tableFeatures,
} from '@tanstack/react-table';
import type { EntryRow } from '../../../../shared/ipc/contract.ts';
import { clock } from '../../lib/time-format.ts';

/** The features this table registers (sorting, per-column filters, column visibility). */
export const changesFeatures = tableFeatures({
  rowSortingFeature,
  sortedRowModel: createSortedRowModel(),
  sortFns: { alphanumeric: sortFn_alphanumeric, basic: sortFn_basic },
  columnFilteringFeature,
  filteredRowModel: createFilteredRowModel(),
  filterFns: {
    includesString: filterFn_includesString,
    equalsString: filterFn_equalsString,
    arrIncludes: filterFn_arrIncludes,
  },
  columnVisibilityFeature,
});

const helper = createColumnHelper<typeof changesFeatures, EntryRow>();

/** Columns, in display order. */
export const changesColumns = helper.columns([
  helper.accessor('idx', { header: 'Idx', sortFn: 'basic', enableHiding: false }),
  helper.accessor('ts', { header: 'UTC', sortFn: 'alphanumeric', cell: (c) => clock(c.getValue()).slice(0, 8) }),
  helper.accessor('actor', { header: 'Actor', filterFn: 'equalsString' }),
  helper.accessor('action', { header: 'Action', filterFn: 'equalsString' }),
  helper.accessor((r) => r.flag ?? '', { id: 'flag', header: 'Flag', filterFn: 'includesString' }),
  helper.accessor((r) => r.env ?? '', { id: 'env', header: 'Env', filterFn: 'equalsString' }),
  helper.accessor('services', {
    header: 'Services',
    filterFn: 'arrIncludes',
    enableSorting: false,
    cell: (c) => c.getValue().join(', '),
  }),
  helper.accessor((r) => r.team ?? '', { id: 'team', header: 'Team', filterFn: 'equalsString' }),
  helper.accessor((r) => r.tier ?? '', { id: 'tier', header: 'Tier', filterFn: 'equalsString' }),
  helper.accessor('summary', { header: 'Change', enableSorting: false }),
  helper.accessor('reason', { header: 'Reason', enableSorting: false }),
]);

/** Columns a filter select exists for, with the row values it offers. */
export const FILTERABLE = ['services', 'team', 'actor', 'action', 'tier', 'env'] as const;

/** A filterable column id. */
export type FilterableColumn = (typeof FILTERABLE)[number];

/** Distinct values of a filterable column across `rows`, sorted. */
export function optionsFor(rows: readonly EntryRow[], column: FilterableColumn): string[] {
  const values = new Set<string>();
  for (const r of rows) {
    if (column === 'services') r.services.forEach((s) => values.add(s));
    else {
      const v = r[column];
      if (v) values.add(v);
    }
  }
  return [...values].sort();
}
