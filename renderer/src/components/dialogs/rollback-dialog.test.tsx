import { afterEach, describe, expect, it } from 'vitest';
import type { EntryDetail } from '../../../../shared/ipc/contract.ts';
import { envState, liveReplica, receipt, row } from '../../test-support/fixtures.ts';
import { byTestId, click, inAct, mountApp, reasonAndConfirm, type Mounted } from '../../test-support/render.tsx';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

const entry: EntryDetail = {
  row: row(117),
  leafText: '{"idx":117}',
  leafHashHex: 'aa'.repeat(32),
  prevHex: 'bb'.repeat(32),
  before: envState(false, 0),
  after: envState(true, 100),
  refs: {},
};

async function openRollback(overrides = {}): Promise<Mounted> {
  m = await mountApp({
    ...liveReplica('alice', 'responder'),
    ledgerEntry: async () => ({ ok: true, value: entry }),
    ...overrides,
  });
  const store = m.store;
  await inAct(() => store.getState().openDialog({ kind: 'rollback', idx: 117 }));
  return m;
}

describe('rollback dialog', () => {
  it('shows what it restores and sends the idx with the reason', async () => {
    const { container, fake } = await openRollback({
      actionsRollback: async () => ({ ok: true, value: receipt('rb-1') }),
    });
    const dialog = byTestId(container, 'rollback-dialog');
    expect(byTestId(dialog, 'rollback-restores').textContent).toBe('off · 0 % · variation off');
    expect(dialog.querySelector('[data-testid="rollback-moved"]')).toBeNull();
    await reasonAndConfirm(dialog, 'tax engine causes 5xx');
    await click(byTestId(dialog, 'rollback-submit'));
    expect(fake.argsOf('actionsRollback')).toEqual([{ idx: 117, reason: 'tax engine causes 5xx' }]);
    expect(byTestId(dialog, 'round-trip').dataset['status']).toBe('applied');
  });

  it('a compare-and-swap conflict shows its code and what changed since', async () => {
    const later = { ...row(140), actor: 'dave', summary: 'rollout 100 → 50' };
    const { container } = await openRollback({
      actionsRollback: async () => ({
        ok: false,
        error: { code: 'ROLLBACK_CONFLICT', message: 'The flag changed since entry 117; nothing was rolled back.' },
      }),
      ledgerQuery: async () => ({ ok: true, value: { rows: [later, row(117)], total: 2 } }),
    });
    const dialog = byTestId(container, 'rollback-dialog');
    await reasonAndConfirm(dialog, 'tax engine causes 5xx');
    await click(byTestId(dialog, 'rollback-submit'));
    expect(dialog.querySelector('.error-code')?.textContent).toBe('ROLLBACK_CONFLICT');
    const conflict = byTestId(dialog, 'rollback-conflict');
    expect(conflict.querySelectorAll('li').length).toBe(1);
    expect(conflict.textContent).toContain('#140');
    expect(conflict.textContent).toContain('dave');
  });
});
