import { afterEach, describe, expect, it, vi } from 'vitest';
import { liveReplica } from '../../test-support/fixtures.ts';
import { button, byTestId, click, inAct, mountApp, type Mounted } from '../../test-support/render.tsx';

let m: Mounted | null = null;
afterEach(() => { m?.unmount(); m = null; vi.restoreAllMocks(); });

describe('verification panel', () => {
  it('runs a deep re-verification with a progress bar and cancel, then shows the outcome', async () => {
    m = await mountApp({ ...liveReplica(), verifyRun: async () => ({ ok: true, value: { runId: 'run-9' } }), verifyCancel: async () => ({ ok: true, value: null }) });
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
    await inAct(() => m!.fake.emit('verify:finished', { runId: 'run-9', kind: 'failed', code: 'LEAF_HASH_MISMATCH', idx: 57, detail: 'entry 57 was edited', mode: 'deep' }));
    expect(byTestId(panel, 'verify-outcome').textContent).toBe('✗ deep re-verification failed: LEAF_HASH_MISMATCH at entry #57 — entry 57 was edited');
    expect(panel.querySelector('[data-testid="verify-progress"]')).toBeNull();
  });

  it('exports the report as a file download', async () => {
    const created: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => { created.push(b as Blob); return 'blob:report'; });
    const clicked: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) { clicked.push(this.download); });
    m = await mountApp({ ...liveReplica(), verifyReport: async () => ({ ok: true, value: { fileName: 'tombstone-verification-2026-11-25.json', json: '{"verified":120}' } }) });
    await inAct(() => m!.store.getState().openDrawer('verification'));
    await click(byTestId(m.container, 'export-report'));
    expect(clicked).toEqual(['tombstone-verification-2026-11-25.json']);
    expect(await created[0]!.text()).toBe('{"verified":120}');
  });
});
