/**
 * Full re-verification on demand (deep or quick) with progress and cancel, the verification
 * status for the badge, and the exportable report.
 */
import { randomUUID } from 'node:crypto';
import type { Evidence, VerificationStatus, VerifyOutcome } from '../../shared/ipc/contract.ts';
import { AppError } from '../ipc/app-error.ts';
import type { EventHub } from '../ipc/registry.ts';
import { fileHighWaterMark, type HighWaterMarkCodec } from '../ledger/high-water-mark.ts';
import { verifyReplicaFile } from '../ledger/verify-run.ts';
import type { VerifyReport } from '../ledger/verify-types.ts';
import { alertOf } from '../sync/alerts.ts';
import type { ConsoleRuntime } from './console-runtime.ts';

/** Runs and remembers re-verifications of the active replica. */
export class Verification {
  private readonly runs = new Map<string, AbortController>();
  private last: { report: VerifyReport; at: string } | null = null;
  private readonly runtime: ConsoleRuntime;
  private readonly events: EventHub;
  private readonly codec: HighWaterMarkCodec;

  constructor(runtime: ConsoleRuntime, events: EventHub, codec: HighWaterMarkCodec) {
    this.runtime = runtime;
    this.events = events;
    this.codec = codec;
  }

  /** Drops what was learned about the previous replica (another profile, or a replica set aside): runs and last report. */
  forget(): void {
    for (const abort of this.runs.values()) abort.abort();
    this.runs.clear();
    this.last = null;
  }

  /** The badge: sizes, root, checkpoint time, pending count and the alert to show, if any. */
  status(): VerificationStatus {
    const s = this.runtime.session();
    const replica = s.replica();
    const launch = s.launchAlert;
    if (!replica) {
      // A replica that failed to open at launch still has its alert to show; otherwise there is simply none yet.
      if (!launch) this.runtime.replica(); // throws E_REPLICA_EMPTY, which the UI explains with its empty state
      return {
        origin: null,
        receivedSize: 0,
        verifiedSize: 0,
        rootHex: null,
        checkpointAt: null,
        pending: 0,
        alert: launch,
      };
    }
    const st = replica.status();
    const evidence = st.evidence.map(alertOf);
    const failedRun = this.last && !this.last.report.ok ? this.alertOfReport(this.last.report, this.last.at) : null;
    return {
      origin: st.origin,
      receivedSize: st.receivedSize,
      verifiedSize: st.verifiedSize,
      rootHex: st.root,
      checkpointAt: st.latestNote === null ? null : new Date(st.updatedAt).toISOString(),
      pending: st.pendingCount,
      alert: launch ?? evidence[evidence.length - 1] ?? failedRun,
      deepCheck: s.deepCheck(),
    };
  }

  /** Every evidence record plus the launch-check and last-run failures. */
  evidence(): Evidence[] {
    const s = this.runtime.session();
    const stored = s.replica()?.evidence().map(alertOf) ?? [];
    const extra = [
      s.launchAlert,
      this.last && !this.last.report.ok ? this.alertOfReport(this.last.report, this.last.at) : null,
    ];
    return [...stored, ...extra.filter((e): e is Evidence => e !== null)];
  }

  /** Starts a re-verification in worker threads; progress and the outcome arrive as events. */
  run(mode: 'deep' | 'quick'): { runId: string } {
    const s = this.runtime.session();
    const replica = this.runtime.replica();
    const runId = randomUUID();
    const abort = new AbortController();
    this.runs.set(runId, abort);
    const started = performance.now();
    void verifyReplicaFile(replica.path, {
      mode,
      signal: abort.signal,
      origin: replica.origin,
      // The keys the source verifies its replica with: the profile's trusted keys, or an Unleash mirror's seal key.
      trustedKeys: s.source.launchTrust().keys,
      highWaterMark: fileHighWaterMark(`${replica.path}.hwm`, this.codec),
      onProgress: (p) => this.events.emit('verify:progressed', { runId, done: p.done, total: p.total }),
    }).then(
      (report) => this.finish(runId, mode, report, (performance.now() - started) / 1000),
      (err: unknown) => this.fail(runId, mode, err),
    );
    return { runId };
  }

  /** Cancels a running re-verification. */
  cancel(runId: string): null {
    const abort = this.runs.get(runId);
    if (!abort)
      throw new AppError('E_NO_SUCH_RUN', 'That verification is not running any more (it finished or was cancelled).');
    abort.abort();
    return null;
  }

  /** The last report as a JSON file for auditors. */
  report(): { fileName: string; json: string } {
    const status = this.status();
    const body = { generated_at: new Date().toISOString(), status, last_run: this.last, evidence: this.evidence() };
    const stamp = body.generated_at.replace(/[:.]/g, '-');
    return { fileName: `tombstone-verification-${stamp}.json`, json: JSON.stringify(body, null, 2) };
  }

  private finish(runId: string, mode: 'deep' | 'quick', report: VerifyReport, seconds: number): void {
    this.runs.delete(runId);
    this.last = { report, at: new Date().toISOString() };
    const outcome: VerifyOutcome = report.ok
      ? { runId, kind: 'verified', size: report.verifiedSize, rootHex: report.root, seconds, mode }
      : { runId, kind: 'failed', code: report.code ?? 'ROOT_MISMATCH', idx: report.idx, detail: report.detail, mode };
    this.events.emit('verify:finished', outcome);
    if (!report.ok) this.events.emit('ledger:alerted', this.alertOfReport(report, this.last.at));
  }

  private fail(runId: string, mode: 'deep' | 'quick', err: unknown): void {
    const aborted = this.runs.get(runId)?.signal.aborted ?? false;
    this.runs.delete(runId);
    if (aborted) return this.events.emit('verify:finished', { runId, kind: 'cancelled' });
    const detail = err instanceof Error ? err.message : String(err);
    this.events.emit('verify:finished', { runId, kind: 'failed', code: 'E_VERIFY_IO', idx: null, detail, mode });
  }

  private alertOfReport(report: VerifyReport, at: string): Evidence {
    return {
      id: -1,
      kind: 'reverify',
      code: report.code ?? 'ROOT_MISMATCH',
      idx: report.idx,
      detail: report.detail,
      notes: [],
      at,
    };
  }
}
