/** One ledger entry in full: exact leaf bytes, hashes, before/after, refs, verification and an inclusion-proof check. */
import { dateTime } from '../../lib/time-format.ts';
import { ErrorLine } from '../../ui/error-line.tsx';
import { useBlock, useVerified } from '../../ui/hooks.ts';
import { JsonDiff } from '../../ui/value.tsx';
import { useApp } from '../../store-context.tsx';
import { InclusionResult } from './inclusion-result.tsx';

const ROLLBACKABLE = new Set([
  'flag.updated',
  'flag.killed',
  'flag.rolled_back',
  'flag.auto_rolled_back',
  'change_request.applied',
  'schedule.executed',
  'break_glass.used',
]);

/** The detail of the open entry (shared by the changes panel and the ledger drawer); nothing when none is open. */
export function EntryDetailView() {
  const open = useApp((s) => s.openEntry);
  const { upTo: verifiedSize, verifying } = useVerified();
  const checkInclusion = useApp((s) => s.checkInclusion);
  const closeEntry = useApp((s) => s.closeEntry);
  const openDialog = useApp((s) => s.openDialog);
  const rollbackBlock = useBlock('rollback');
  if (!open) return null;
  const d = open.detail;
  const bytes = d ? new TextEncoder().encode(d.leafText).length : 0;
  return (
    <section className="entry-detail" aria-label={`Ledger entry ${open.idx}`} data-testid="entry-detail">
      <header className="row">
        <h3>Entry #{open.idx}</h3>
        <span className={open.idx < verifiedSize ? 'pill pill-ok' : 'pill pill-warn'} data-testid="entry-verified">
          {open.idx < verifiedSize
            ? '✓ covered by the verified checkpoint'
            : verifying
              ? 'verification in progress'
              : 'not yet covered by a verified checkpoint'}
        </span>
        <span className="spacer" />
        <button type="button" onClick={closeEntry} aria-label="Close entry detail">
          Close
        </button>
      </header>
      <ErrorLine error={open.error} />
      {d && (
        <>
          <p>
            {dateTime(d.row.ts)} · {d.row.actor} ({d.row.actorType}) · <code>{d.row.action}</code>
            {d.row.flag && (
              <>
                {' '}
                · <code>{d.row.flag}</code>
              </>
            )}
            {d.row.env && ` · ${d.row.env}`}
          </p>
          <p>Reason: {d.row.reason || '—'}</p>
          <JsonDiff before={d.before} after={d.after} label={`Before and after of entry ${open.idx}`} />
          {Object.keys(d.refs).length > 0 && (
            <p>
              Refs:{' '}
              {Object.entries(d.refs).map(([k, v]) => (
                <code key={k}>
                  {k}={v}{' '}
                </code>
              ))}
            </p>
          )}
          <p className="hash">
            leaf hash <code>{d.leafHashHex}</code>
            <br />
            prev <code>{d.prevHex}</code>
          </p>
          <details open>
            <summary>Leaf bytes ({bytes} bytes, canonical JSON as signed)</summary>
            <pre className="leaf" data-testid="leaf-text">
              {d.leafText}
            </pre>
          </details>
          <div className="row">
            <button
              type="button"
              onClick={() => void checkInclusion(open.idx)}
              disabled={open.checking}
              data-testid="check-inclusion"
            >
              {open.checking ? 'Checking…' : 'Check inclusion proof'}
            </button>
            {d.row.flag && (
              <button type="button" onClick={() => openDialog({ kind: 'flag', key: d.row.flag ?? '' })}>
                Open flag
              </button>
            )}
            {ROLLBACKABLE.has(d.row.action) && d.row.env && (
              <button
                type="button"
                className="danger"
                disabled={rollbackBlock !== null}
                title={rollbackBlock ?? undefined}
                onClick={() => openDialog({ kind: 'rollback', idx: open.idx })}
              >
                Roll back this change
              </button>
            )}
          </div>
          <ErrorLine error={open.inclusionError} />
          {open.inclusion && <InclusionResult check={open.inclusion} />}
        </>
      )}
    </section>
  );
}
