/** Verification slice: replica status, re-verification runs with progress, evidence and the exportable report. */
import {
  LAUNCH_CHECK_RUN_ID,
  type Evidence,
  type VerificationStatus,
  type VerifyOutcome,
  type VerifyProgress,
} from '../../../shared/ipc/contract.ts';
import type { IpcError } from '../../../shared/ipc/result.ts';
import type { SliceDeps } from './types.ts';

/** A re-verification in flight. */
export interface VerifyRun {
  runId: string;
  mode: 'deep' | 'quick';
  done: number;
  total: number;
}

/** Verification state and its actions. */
export interface VerificationSlice {
  verification: VerificationStatus | null;
  evidence: Evidence[];
  verifyRun: VerifyRun | null;
  verifyOutcome: VerifyOutcome | null;
  verifyError: IpcError | null;
  /** Loads the replica's verification status; returns the error when there is no replica. */
  loadVerification(): Promise<IpcError | null>;
  loadEvidence(): Promise<void>;
  /** Starts a full re-verification (deep re-hashes every leaf; quick checks roots and signatures). */
  runVerify(mode: 'deep' | 'quick'): Promise<void>;
  cancelVerify(): Promise<void>;
  /** Fetches the verification report; the caller turns it into a file download. */
  exportReport(): Promise<{ fileName: string; json: string } | null>;
  /** Applies a progress event of the current run. */
  applyVerifyProgress(p: VerifyProgress): void;
  /** Applies the outcome of a run and refreshes status and evidence. */
  applyVerifyOutcome(o: VerifyOutcome): void;
  /** Applies an alert raised by sync or verification. */
  applyAlert(e: Evidence): void;
}

/**
 * Whether the replica's entries may be shown as verified: not while the deep check after launch runs, nor once the
 * replica raised an alert. Entries, changes and candidates say "verification in progress" or "unverified" instead.
 */
export function verifiedShown(v: VerificationStatus | null): boolean {
  return v !== null && v.alert === null && (v.deepCheck ?? null) === null;
}

/** Builds the verification slice. */
export function createVerificationSlice({ api, set, get }: SliceDeps): VerificationSlice {
  // Only the latest status call is applied: an older answer arriving late (computed before an alert or the end of the
  // deep check after launch) must not overwrite what a newer event or call said.
  let statusCalls = 0;
  return {
    verification: null,
    evidence: [],
    verifyRun: null,
    verifyOutcome: null,
    verifyError: null,
    async loadVerification() {
      const call = ++statusCalls;
      const res = await api.verifyStatus(null);
      if (!res.ok) return res.error;
      if (call === statusCalls || get().verification === null) set({ verification: res.value });
      return null;
    },
    async loadEvidence() {
      const res = await api.verifyEvidence(null);
      if (res.ok) set({ evidence: res.value });
      else set({ verifyError: res.error });
    },
    async runVerify(mode) {
      set({ verifyError: null, verifyOutcome: null });
      const res = await api.verifyRun({ mode });
      if (!res.ok) {
        set({ verifyError: res.error });
        return;
      }
      // A progress event may already have arrived; keep its counts.
      const current = get().verifyRun;
      const known = current?.runId === res.value.runId ? current : null;
      set({
        verifyRun: {
          runId: res.value.runId,
          mode,
          done: known?.done ?? 0,
          total: known?.total ?? get().verification?.receivedSize ?? 0,
        },
      });
    },
    async cancelVerify() {
      const run = get().verifyRun;
      if (!run) return;
      const res = await api.verifyCancel({ runId: run.runId });
      if (!res.ok) set({ verifyError: res.error });
    },
    async exportReport() {
      const res = await api.verifyReport(null);
      if (res.ok) return res.value;
      set({ verifyError: res.error });
      return null;
    },
    applyVerifyProgress(p) {
      if (p.runId === LAUNCH_CHECK_RUN_ID) {
        const status = get().verification;
        if (status) set({ verification: { ...status, deepCheck: { done: p.done, total: p.total } } });
        return;
      }
      const run = get().verifyRun;
      set({
        verifyRun: { runId: p.runId, mode: run?.runId === p.runId ? run.mode : 'deep', done: p.done, total: p.total },
      });
    },
    applyVerifyOutcome(o) {
      if (o.runId === LAUNCH_CHECK_RUN_ID) {
        // The background check after launch ended: the status (and, on failure, the alert) comes from main.
        void get().loadVerification();
        void get().loadEvidence();
        return;
      }
      const run = get().verifyRun;
      if (run && run.runId !== o.runId) return;
      set({ verifyRun: null, verifyOutcome: o });
      void get().loadVerification();
      void get().loadEvidence();
    },
    applyAlert(e) {
      statusCalls++; // a status call still in flight was computed before this alert
      const status = get().verification;
      if (status) set({ verification: { ...status, alert: e } });
      else void get().loadVerification();
      if (!get().evidence.some((x) => x.id === e.id)) set({ evidence: [e, ...get().evidence] });
    },
  };
}
