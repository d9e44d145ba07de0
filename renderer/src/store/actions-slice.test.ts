import { describe, expect, it } from 'vitest';
import { createFakeApi, flush } from '../test-support/fake-api.ts';
import { liveReplica, receipt } from '../test-support/fixtures.ts';
import { mergeReceipt } from './actions-slice.ts';
import { createAppStore } from './app-store.ts';

describe('actions slice', () => {
  it('merges receipts: the later stage wins and known timings are kept', () => {
    const verified = { ...receipt('k', 'verified'), appliedMs: null, appliedIdx: null };
    expect(mergeReceipt(receipt('k', 'applied'), verified)).toEqual({ ...receipt('k', 'verified') });
    expect(mergeReceipt(receipt('k', 'verified'), receipt('k', 'sent')).status).toBe('verified');
  });

  it('kill without a token sends no token field; with one it sends it', async () => {
    const fake = createFakeApi({ actionsKill: async () => ({ ok: true, value: receipt('k1') }) });
    const store = createAppStore(fake.api);
    await store.getState().kill({ flag: 'a.b.c', env: 'production', reason: 'errors spiking' });
    await store
      .getState()
      .kill({ flag: 'a.b.c', env: 'production', reason: 'errors spiking', breakGlassToken: 'bg-secret' });
    expect(fake.argsOf('actionsKill')).toEqual([
      { flag: 'a.b.c', env: 'production', reason: 'errors spiking' },
      { flag: 'a.b.c', env: 'production', reason: 'errors spiking', breakGlassToken: 'bg-secret' },
    ]);
  });

  it('the round trip completes from the actions:updated event, even if it beats the call result', async () => {
    const fake = createFakeApi({
      ...liveReplica(),
      actionsRollback: async () => ({ ok: true, value: receipt('k2', 'applied') }),
    });
    const store = createAppStore(fake.api, { refreshDelayMs: 0 });
    await store.getState().start();
    fake.emit('actions:updated', receipt('k2', 'verified'));
    const res = await store.getState().rollback(117, 'undo the tax change');
    expect(res.ok).toBe(true);
    expect(fake.argsOf('actionsRollback')).toEqual([{ idx: 117, reason: 'undo the tax change' }]);
    expect(store.getState().receipts['k2']).toEqual(receipt('k2', 'verified'));
    const ranks = fake.argsOf('correlationRank').length;
    await flush();
    expect(fake.argsOf('correlationRank').length).toBe(ranks + 1); // the chart and candidates refresh after verification
  });

  it('a conflict is returned with its code and leaves no receipt', async () => {
    const fake = createFakeApi({
      actionsRollback: async () => ({
        ok: false,
        error: { code: 'ROLLBACK_CONFLICT', message: 'The flag changed since entry 117.' },
      }),
    });
    const store = createAppStore(fake.api);
    const res = await store.getState().rollback(117, 'undo the tax change');
    expect(res.ok ? null : res.error.code).toBe('ROLLBACK_CONFLICT');
    expect(store.getState().receipts).toEqual({});
  });
});
