import { afterEach, describe, expect, it } from 'vitest';
import { liveReplica } from '../../test-support/fixtures.ts';
import { byTestId, key, mountApp, type, type Mounted } from '../../test-support/render.tsx';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

describe('command palette and shortcuts', () => {
  it('Ctrl+K opens the palette with focus in its input; Escape closes it', async () => {
    m = await mountApp({
      ...liveReplica('alice', 'admin'),
      verifyRun: async () => ({ ok: true, value: { runId: 'r1' } }),
    });
    expect(m.container.querySelector('[data-testid="command-palette"]')).toBeNull();
    await key({ key: 'k', ctrlKey: true });
    const palette = byTestId(m.container, 'command-palette');
    expect(document.activeElement).toBe(byTestId(palette, 'palette-input'));
    await key({ key: 'Escape' }, byTestId(palette, 'palette-input'));
    expect(m.container.querySelector('[data-testid="command-palette"]')).toBeNull();
    await key({ key: 'k', metaKey: true }); // Cmd+K on macOS
    expect(byTestId(m.container, 'command-palette')).toBeTruthy();
  });

  it('reaches actions and flags: typing filters, Enter runs the active command', async () => {
    m = await mountApp({
      ...liveReplica('alice', 'admin'),
      verifyRun: async () => ({ ok: true, value: { runId: 'r1' } }),
    });
    await key({ key: 'k', ctrlKey: true });
    const input = byTestId<HTMLInputElement>(m.container, 'palette-input');
    await type(input, 'core');
    expect(m.fake.argsOf('flagsList').at(-1)).toEqual({ query: 'core', limit: 20 });
    expect(byTestId(m.container, 'command-flag-core.ledger.writes').textContent).toContain(
      'Flag core.ledger.writes (BLOCKED, core)',
    );
    expect(byTestId(m.container, 'command-kill-flag-core.ledger.writes')).toBeTruthy();
    await type(input, 're-verify deep');
    await key({ key: 'Enter' }, input);
    expect(m.fake.argsOf('verifyRun')).toEqual([{ mode: 'deep' }]);
    expect(byTestId(m.container, 'ledger-drawer')).toBeTruthy();
    expect(m.container.querySelector('[data-testid="command-palette"]')).toBeNull();
  });

  it('lists candidate rollbacks, and a disabled command says why', async () => {
    m = await mountApp({ ...liveReplica('vic', 'viewer') });
    await key({ key: 'k', ctrlKey: true });
    const rollback = byTestId(m.container, 'command-rollback-117');
    expect(rollback.getAttribute('aria-disabled')).toBe('true');
    expect(rollback.textContent).toContain('Your role viewer cannot roll back changes');
  });

  it('? opens the shortcut help; single-key shortcuts are ignored while typing', async () => {
    m = await mountApp(liveReplica());
    await key({ key: '?' });
    const help = byTestId(m.container, 'help-overlay');
    expect(help.textContent).toContain('Ctrl/Cmd + K');
    expect(help.textContent).toContain('Command palette: every action and every flag');
    await key({ key: 'Escape' }, help);
    expect(m.container.querySelector('[data-testid="help-overlay"]')).toBeNull();
    const filter = byTestId<HTMLInputElement>(m.container, 'changes-filter-flag');
    filter.focus();
    await key({ key: 'k' }, filter);
    expect(m.store.getState().dialog).toBeNull();
    await key({ key: 'k' }, document.body);
    expect(m.store.getState().dialog).toEqual({ kind: 'kill', flag: null, env: null });
  });
});
