import { describe, expect, it } from 'vitest';
import type { Evidence } from '../../../shared/ipc/contract.ts';
import { createFakeApi, flush } from '../test-support/fake-api.ts';
import { liveReplica, status } from '../test-support/fixtures.ts';
import { createAppStore } from './app-store.ts';

const fork: Evidence = {
  id: 7,
  kind: 'fork',
  code: 'FORK',
  idx: 100,
  detail: 'two signed views of size 100',
  notes: ['note A', 'note B'],
  at: '2026-11-25T03:15:00.000Z',
};

describe('verification slice', () => {
  it('runs a deep re-verification with progress, then reloads status and evidence on finish', async () => {
    const fake = createFakeApi({ ...liveReplica(), verifyRun: async () => ({ ok: true, value: { runId: 'run-1' } }) });
    const store = createAppStore(fake.api, { refreshDelayMs: 0 });
    await store.getState().start();
    await store.getState().runVerify('deep');
    expect(fake.argsOf('verifyRun')).toEqual([{ mode: 'deep' }]);
    expect(store.getState().verifyRun).toEqual({ runId: 'run-1', mode: 'deep', done: 0, total: status.receivedSize });
    fake.emit('verify:progressed', { runId: 'run-1', done: 60, total: 122 });
    expect(store.getState().verifyRun).toEqual({ runId: 'run-1', mode: 'deep', done: 60, total: 122 });
    const statusCalls = fake.argsOf('verifyStatus').length;
    fake.emit('verify:finished', {
      runId: 'run-1',
      kind: 'verified',
      size: 122,
      rootHex: 'ab'.repeat(32),
      seconds: 1.5,
      mode: 'deep',
    });
    await flush();
    expect(store.getState().verifyRun).toBeNull();
    expect(store.getState().verifyOutcome?.kind).toBe('verified');
    expect(fake.argsOf('verifyStatus').length).toBe(statusCalls + 1);
  });

  it('cancel sends the run id; an outcome of another run is ignored', async () => {
    const fake = createFakeApi({
      ...liveReplica(),
      verifyRun: async () => ({ ok: true, value: { runId: 'run-2' } }),
      verifyCancel: async () => ({ ok: true, value: null }),
    });
    const store = createAppStore(fake.api);
    await store.getState().runVerify('quick');
    await store.getState().cancelVerify();
    expect(fake.argsOf('verifyCancel')).toEqual([{ runId: 'run-2' }]);
    store.getState().applyVerifyOutcome({ runId: 'other', kind: 'cancelled' });
    expect(store.getState().verifyRun?.runId).toBe('run-2');
    store.getState().applyVerifyOutcome({ runId: 'run-2', kind: 'cancelled' });
    expect(store.getState().verifyRun).toBeNull();
  });

  it('an alert turns the status red and lists the evidence once', async () => {
    const fake = createFakeApi(liveReplica());
    const store = createAppStore(fake.api, { refreshDelayMs: 0 });
    await store.getState().start();
    fake.emit('ledger:alerted', fork);
    fake.emit('ledger:alerted', fork);
    expect(store.getState().verification?.alert).toEqual(fork);
    expect(store.getState().evidence).toEqual([fork]);
  });

  it('report export returns the file; a failure is kept with its code', async () => {
    let fail = false;
    const fake = createFakeApi({
      verifyReport: async () =>
        fail
          ? { ok: false, error: { code: 'E_NO_PROFILE', message: 'none' } }
          : { ok: true, value: { fileName: 'report.json', json: '{}' } },
      verifyRun: async () => ({ ok: false, error: { code: 'E_VERIFY_BUSY', message: 'A run is already going.' } }),
    });
    const store = createAppStore(fake.api);
    expect(await store.getState().exportReport()).toEqual({ fileName: 'report.json', json: '{}' });
    fail = true;
    expect(await store.getState().exportReport()).toBeNull();
    expect(store.getState().verifyError?.code).toBe('E_NO_PROFILE');
    await store.getState().runVerify('deep');
    expect(store.getState().verifyError?.code).toBe('E_VERIFY_BUSY');
    expect(store.getState().verifyRun).toBeNull();
  });

  it('a status answer computed before an alert never overwrites it (the deep check after launch ends red)', async () => {
    let answer: (v: typeof status) => void = () => undefined;
    const checking = { ...status, deepCheck: { done: 4096, total: 19764 } };
    let slow = false;
    const fake = createFakeApi({
      ...liveReplica(),
      verifyStatus: () =>
        slow
          ? new Promise((resolve) => (answer = (v) => resolve({ ok: true, value: v })))
          : Promise.resolve({ ok: true, value: checking }),
    });
    const store = createAppStore(fake.api, { refreshDelayMs: 0 });
    await store.getState().start();
    slow = true;
    const stale = store.getState().loadVerification(); // e.g. after a ledger:verified, answered late
    const before = answer;
    fake.emit('ledger:alerted', { ...fork, kind: 'launch-check', code: 'LEAF_HASH_MISMATCH', idx: 9000 });
    before(checking);
    await stale;
    expect(store.getState().verification?.alert?.code).toBe('LEAF_HASH_MISMATCH');
  });
});
