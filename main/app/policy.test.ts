import { describe, expect, it } from 'vitest';
import { decideNavigation, decideOpenExternal, decidePermission, isTrustedSender } from './policy.ts';
import { APP_ENTRY_URL, createWindowOptions } from './window-options.ts';

describe('Electron security checklist', () => {
  it('window options isolate, sandbox and keep Node out of the renderer', () => {
    const o = createWindowOptions('/x/preload.cjs');
    expect(o.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/x/preload.cjs',
    });
  });

  it('denies navigation to any other origin', () => {
    expect(decideNavigation(APP_ENTRY_URL)).toBe('allow');
    expect(decideNavigation('app://console/#/x')).toBe('allow');
    expect(decideNavigation('https://evil.example/')).toBe('deny');
    expect(decideNavigation('file:///etc/passwd')).toBe('deny');
    expect(decideNavigation('app://other/index.html')).toBe('deny');
    expect(decideNavigation('not a url')).toBe('deny');
  });

  it('opens only allowlisted https origins externally', () => {
    const allow = ['https://flags.example.com'];
    expect(decideOpenExternal('https://flags.example.com/incidents/1', allow)).toBe('open');
    expect(decideOpenExternal('https://evil.example.com/', allow)).toBe('refuse');
    expect(decideOpenExternal('http://flags.example.com/', allow)).toBe('refuse');
    expect(decideOpenExternal('https://user:pw@flags.example.com/', allow)).toBe('refuse');
    expect(decideOpenExternal('javascript:alert(1)', allow)).toBe('refuse');
  });

  it('trusts IPC only from its own window, main frame, app origin', () => {
    const ok = { webContentsId: 7, frameUrl: APP_ENTRY_URL, isMainFrame: true };
    expect(isTrustedSender(ok, 7)).toBe(true);
    expect(isTrustedSender({ ...ok, isMainFrame: false }, 7)).toBe(false);
    expect(isTrustedSender({ ...ok, webContentsId: 8 }, 7)).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: 'https://evil.example/' }, 7)).toBe(false);
    expect(isTrustedSender(ok, null)).toBe(false);
  });

  it('denies permission requests', () => {
    expect(decidePermission('media')).toBe(false);
    expect(decidePermission('notifications')).toBe(false);
  });
});
