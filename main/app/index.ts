/**
 * Electron main: single instance, one hardened window, renderer from app://, IPC through the
 * validating bridge, and the same services browser mode uses.
 */
import { app, BrowserWindow, Menu, session, shell } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startConsoleServices, type ConsoleServices } from '../console-services.ts';
import { registerAppScheme, serveRenderer } from './app-protocol.ts';
import { bindIpc } from './ipc-main-bridge.ts';
import { decideNavigation, decideOpenExternal, decidePermission } from './policy.ts';
import { APP_ENTRY_URL, createWindowOptions } from './window-options.ts';
import { parseShellArgs } from '../shell-args.ts';
import { openRotatingLog } from '../log/rotating-log.ts';
import { notify, wireNotifications } from './notifications.ts';
import { safeStorageBox } from './safe-storage-box.ts';
import { plainCodec } from '../ledger/high-water-mark.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
let window: BrowserWindow | null = null;
let services: ConsoleServices | null = null;

function hardenContents(contents: Electron.WebContents, allowedExternal: () => readonly string[]): void {
  // Checklist: deny navigation and new windows; external links only to allowlisted https origins.
  contents.on('will-navigate', (event, url) => {
    if (decideNavigation(url) === 'deny') event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (decideNavigation(url) === 'deny') event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (decideOpenExternal(url, allowedExternal()) === 'open') void shell.openExternal(url);
    return { action: 'deny' };
  });
}

function createWindow(allowedExternal: () => readonly string[]): void {
  window = new BrowserWindow(createWindowOptions(join(here, '../preload/index.cjs')));
  hardenContents(window.webContents, allowedExternal);
  window.once('ready-to-show', () => window?.show());
  window.on('closed', () => {
    window = null;
  });
  void window.loadURL(APP_ENTRY_URL);
}

function main(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  registerAppScheme();
  const args = parseShellArgs(process.argv.slice(1), process.env, false);
  app.on('second-instance', () => {
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  app.on('window-all-closed', () => {
    void services?.stop().finally(() => app.quit());
  });
  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) =>
      callback(decidePermission(permission)),
    );
    session.defaultSession.setPermissionCheckHandler(() => false);
    serveRenderer(join(here, '../renderer'));
    Menu.setApplicationMenu(
      Menu.buildFromTemplate([
        { role: process.platform === 'darwin' ? 'appMenu' : 'fileMenu' },
        { role: 'editMenu' },
        { role: 'viewMenu' },
        { role: 'windowMenu' },
      ]),
    );
    const logger = openRotatingLog({ file: join(app.getPath('userData'), 'logs', 'console.log') });
    logger.log('info', 'console starting', { version: app.getVersion(), controlPlane: args.connect?.url ?? null });
    const box = safeStorageBox;
    services = startConsoleServices(
      {
        mode: 'electron',
        dataDir: args.dataDir ?? app.getPath('userData'),
        secretBox: box,
        bootstrap: args.connect,
        // Checklist: the high-water mark is encrypted with safeStorage when the OS offers it.
        hwmCodec: box.available()
          ? {
              encode: (b) => box.encrypt(Buffer.from(b).toString('base64')),
              decode: (b) => Buffer.from(box.decrypt(Buffer.from(b)), 'base64'),
            }
          : plainCodec,
        notify,
        log: (level, msg, fields) => logger.log(level, msg, fields),
      },
      (channel, err) => {
        logger.log('error', 'handler failed', {
          channel,
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        });
      },
    );
    wireNotifications(services.events);
    // A bad start-up profile (e.g. no token for a new control plane) leaves the console open on its empty state,
    // where the user can add a profile; the reason goes to the log.
    services.ready.catch((err: unknown) =>
      logger.log('error', 'start-up profile failed', { error: err instanceof Error ? err.message : String(err) }),
    );
    bindIpc(services.registry, services.events, () => window?.webContents ?? null);
    const running = services;
    createWindow(() => running.externalOrigins());
  });
}

main();
