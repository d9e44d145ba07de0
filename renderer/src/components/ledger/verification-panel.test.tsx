import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Evidence, VerificationStatus } from '../../../../shared/ipc/contract.ts';
import { liveReplica, status } from '../../test-support/fixtures.ts';
import { button, byTestId, click, inAct, mountApp, type, type Mounted } from '../../test-support/render.tsx';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
  vi.restoreAllMocks();
});

describe('verification panel', () => {
  it('runs a deep re-verification with a progress bar and cancel, then shows the outcome', async () => {
    m = await mountApp({
      ...liveReplica(),
      verifyRun: async () => ({ ok: true, value: { runId: 'run-9' } }),
      verifyCancel: async () => ({ ok: true, value: null }),
    });
    await inAct(() => m!.store.getState().openDrawer('verification'));
    const panel = byTestId(m.container, 'verification-panel');
    expect(byTestId(panel, 'verification-status').textContent).toBe('✓ verified');
    await click(byTestId(panel, 'verify-deep'));
    await inAct(() => m!.fake.emit('verify:progressed', { runId: 'run-9', done: 61, total: 122 }));
    const bar = byTestId(panel, 'verify-progress').querySelector('progress')!;
    expect(bar.getAttribute('aria-label')).toBe('Verifying: 61 of 122 entries');
    expect(bar.value).toBe(61);
    await click(button(panel, 'Cancel'));
    expect(m.fake.argsOf('verifyCancel')).toEqual([{ runId: 'run-9' }]);
    await inAct(() =>
      m!.fake.emit('verify:finished', {
        runId: 'run-9',
        kind: 'failed',
        code: 'LEAF_HASH_MISMATCH',
        idx: 57,
        detail: 'entry 57 was edited',
        mode: 'deep',
      }),
    );
    expect(byTestId(panel, 'verify-outcome').textContent).toBe(
      '✗ deep re-verification failed: LEAF_HASH_MISMATCH at entry #57 — entry 57 was edited',
    );
    expect(panel.querySelector('[data-testid="verify-progress"]')).toBeNull();
  });

  it('exports the report as a file download', async () => {
    const created: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => {
      created.push(b as Blob);
      return 'blob:report';
    });
    const clicked: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    m = await mountApp({
      ...liveReplica(),
      verifyReport: async () => ({
        ok: true,
        value: { fileName: 'tombstone-verification-2026-11-25.json', json: '{"verified":120}' },
      }),
    });
    await inAct(() => m!.store.getState().openDrawer('verification'));
    await click(byTestId(m.container, 'export-report'));
    expect(clicked).toEqual(['tombstone-verification-2026-11-25.json']);
    expect(await created[0]!.text()).toBe('{"verified":120}');
  });

  it('sets a replica with an alert aside only with a reason and a confirmation, then says where it was kept', async () => {
    const alert: Evidence = {
      id: 1,
      kind: 'launch-check',
      code: 'LEAF_HASH_MISMATCH',
      idx: 57,
      detail: 'entry 57 was edited',
      notes: [],
      at: '2026-11-25T03:12:00.000Z',
    };
    let current: VerificationStatus = { ...status, alert };
    m = await mountApp({
      ...liveReplica(),
      verifyStatus: async () => ({ ok: true, value: current }),
      replicaQuarantine: async () => {
        current = { ...status, receivedSize: 0, verifiedSize: 0, pending: 0, alert: null };
        return { ok: true, value: { archivedAs: '/data/quarantine/p1-2026-11-25T03-20-00-000Z.sqlite' } };
      },
    });
    await inAct(() => m!.store.getState().openDrawer('verification'));
    const form = byTestId(m.container, 'quarantine');
    expect(form.textContent).toContain('This replica failed verification (LEAF_HASH_MISMATCH at entry #57)');
    const submit = byTestId(form, 'quarantine-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    await type(form.querySelector('textarea')!, 'too short');
    await click(form.querySelector<HTMLInputElement>('input[type="checkbox"]')!);
    expect(submit.disabled).toBe(true);
    await type(form.querySelector('textarea')!, 'entry 57 edited on disk; evidence exported to the incident');
    expect(submit.disabled).toBe(false);
    await click(submit);
    expect(m.fake.argsOf('replicaQuarantine')).toEqual([
      { reason: 'entry 57 edited on disk; evidence exported to the incident' },
    ]);
    expect(byTestId(m.container, 'quarantined-banner').textContent).toContain(
      'set aside, unchanged, at /data/quarantine/p1-2026-11-25T03-20-00-000Z.sqlite',
    );
    expect(m.container.querySelector('[data-testid="quarantine"]')).toBeNull();
    await click(m.container.querySelector<HTMLButtonElement>('[aria-label="Dismiss the quarantine notice"]')!);
    expect(m.container.querySelector('[data-testid="quarantined-banner"]')).toBeNull();
  });

  it('offers no quarantine while the replica verifies', async () => {
    m = await mountApp(liveReplica());
    await inAct(() => m!.store.getState().openDrawer('verification'));
    expect(byTestId(m.container, 'verification-panel').querySelector('[data-testid="quarantine"]')).toBeNull();
  });
});
