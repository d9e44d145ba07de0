/** Verification: status of the replica, full re-verification with progress and cancel, evidence, report export. */
import { downloadFile } from '../../lib/download.ts';
import { dateTime } from '../../lib/time-format.ts';
import { ErrorLine } from '../../ui/error-line.tsx';
import { useApp } from '../../store-context.tsx';
import { EvidenceList } from './evidence-list.tsx';
import { QuarantineForm } from './quarantine-form.tsx';

function RunControls() {
  const run = useApp((s) => s.verifyRun);
  const runVerify = useApp((s) => s.runVerify);
  const cancel = useApp((s) => s.cancelVerify);
  const outcome = useApp((s) => s.verifyOutcome);
  const exportReport = useApp((s) => s.exportReport);
  const save = async (): Promise<void> => {
    const report = await exportReport();
    if (report) downloadFile(report.fileName, report.json);
  };
  return (
    <div className="verify-run">
      <div className="row">
        <button type="button" onClick={() => void runVerify('deep')} disabled={run !== null} data-testid="verify-deep">
          Re-verify everything (deep)
        </button>
        <button type="button" onClick={() => void runVerify('quick')} disabled={run !== null}>
          Quick check
        </button>
        <button type="button" onClick={() => void save()} data-testid="export-report">
          Export report
        </button>
      </div>
      {run && (
        <div className="row" data-testid="verify-progress">
          <progress
            max={Math.max(1, run.total)}
            value={run.done}
            aria-label={`Verifying: ${run.done} of ${run.total} entries`}
          />
          <span>
            {run.done.toLocaleString('en-US')} / {run.total.toLocaleString('en-US')} ({run.mode})
          </span>
          <button type="button" onClick={() => void cancel()}>
            Cancel
          </button>
        </div>
      )}
      {outcome && (
        <p role="status" data-testid="verify-outcome" data-kind={outcome.kind}>
          {outcome.kind === 'verified' &&
            `✓ ${outcome.mode} re-verification: ${outcome.size.toLocaleString('en-US')} entries match root ${outcome.rootHex.slice(0, 16)}… (${outcome.seconds.toFixed(1)} s)`}
          {outcome.kind === 'failed' &&
            `✗ ${outcome.mode} re-verification failed: ${outcome.code}${outcome.idx === null ? '' : ` at entry #${outcome.idx}`} — ${outcome.detail}`}
          {outcome.kind === 'cancelled' && 'Re-verification cancelled; the previous verified state stands.'}
        </p>
      )}
    </div>
  );
}

/** The tab content. */
export function VerificationPanel() {
  const v = useApp((s) => s.verification);
  const error = useApp((s) => s.verifyError);
  return (
    <div className="verification" data-testid="verification-panel">
      {v && (
        <dl className="facts">
          <dt>Status</dt>
          <dd data-testid="verification-status">
            {v.alert ? (
              <strong className="alert-text">ALERT {v.alert.code}</strong>
            ) : v.deepCheck ? (
              `verification in progress: ${v.deepCheck.done.toLocaleString('en-US')} of ${v.deepCheck.total.toLocaleString('en-US')} entries re-verified since the console started`
            ) : (
              '✓ verified'
            )}
          </dd>
          <dt>Origin</dt>
          <dd>{v.origin ?? '—'}</dd>
          <dt>Verified size</dt>
          <dd>{v.verifiedSize.toLocaleString('en-US')}</dd>
          <dt>Received</dt>
          <dd>
            {v.receivedSize.toLocaleString('en-US')} ({v.pending.toLocaleString('en-US')} pending)
          </dd>
          <dt>Root</dt>
          <dd>
            <code className="hash">{v.rootHex ?? '—'}</code>
          </dd>
          <dt>Checkpoint applied</dt>
          <dd>{v.checkpointAt ? dateTime(v.checkpointAt) : '—'}</dd>
        </dl>
      )}
      <ErrorLine error={error} />
      <RunControls />
      {v?.alert && <QuarantineForm alert={v.alert} />}
      <EvidenceList />
    </div>
  );
}
