/** The ledger drawer: the audit table over the whole replica, or the verification panel. */
import { useApp } from '../../store-context.tsx';
import { EntryDetailView } from './entry-detail.tsx';
import { LedgerFilters } from './ledger-filters.tsx';
import { LedgerTable } from './ledger-table.tsx';
import { VerificationPanel } from './verification-panel.tsx';
import { ErrorLine } from '../../ui/error-line.tsx';

/** Renders nothing while closed. */
export function LedgerDrawer() {
  const tab = useApp((s) => s.drawer);
  const openDrawer = useApp((s) => s.openDrawer);
  const close = useApp((s) => s.closeDrawer);
  const error = useApp((s) => s.ledgerError);
  const openEntry = useApp((s) => s.openEntry !== null);
  if (!tab) return null;
  return (
    <aside
      className="drawer"
      aria-label="Ledger drawer"
      data-testid="ledger-drawer"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          close();
        }
      }}
    >
      <header className="drawer-head">
        <div role="tablist" aria-label="Ledger views">
          <button type="button" role="tab" aria-selected={tab === 'audit'} onClick={() => openDrawer('audit')}>
            Audit ledger
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'verification'}
            onClick={() => openDrawer('verification')}
          >
            Verification
          </button>
        </div>
        <span className="spacer" />
        <button type="button" onClick={close} aria-label="Close ledger drawer">
          ✕
        </button>
      </header>
      <div role="tabpanel" className="drawer-body">
        {tab === 'audit' ? (
          <>
            <LedgerFilters />
            <ErrorLine error={error} />
            <div className={openEntry ? 'drawer-split with-detail' : 'drawer-split'}>
              <LedgerTable />
              <EntryDetailView />
            </div>
          </>
        ) : (
          <VerificationPanel />
        )}
      </div>
    </aside>
  );
}
