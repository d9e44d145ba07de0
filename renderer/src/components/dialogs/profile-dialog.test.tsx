import { afterEach, describe, expect, it } from 'vitest';
import { button, byTestId, click, mountApp, type, type Mounted } from '../../test-support/render.tsx';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

describe('profiles', () => {
  it('adding a profile from the empty state sends it to main; a refusal shows its code', async () => {
    m = await mountApp({
      profilesAdd: async () => ({
        ok: false,
        error: { code: 'E_SAFE_STORAGE_UNAVAILABLE', message: 'The OS keychain is locked; unlock it and retry.' },
      }),
    });
    await click(button(m.container, 'Add a profile…'));
    const dialog = byTestId(m.container, 'profile-dialog');
    await type(dialog.querySelector<HTMLInputElement>('#pf-name')!, 'prod');
    await type(dialog.querySelector<HTMLInputElement>('#pf-url')!, 'https://tombstone.example');
    await type(dialog.querySelector<HTMLInputElement>('#pf-token')!, 'tok-123');
    await click(button(dialog, 'Add and connect'));
    expect(m.fake.argsOf('profilesAdd')).toEqual([
      { name: 'prod', url: 'https://tombstone.example', environment: 'production', token: 'tok-123' },
    ]);
    expect(byTestId(dialog, 'error-line').textContent).toContain('E_SAFE_STORAGE_UNAVAILABLE');
  });
});
