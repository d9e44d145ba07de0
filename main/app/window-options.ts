/**
 * The BrowserWindow options, produced by a function so tests assert every Electron security
 * checklist item without starting Electron.
 */
import type { BrowserWindowConstructorOptions } from 'electron';

/** The custom scheme the renderer is served from, so the sender's origin check means something. */
export const APP_SCHEME = 'app';
/** The renderer's origin under that scheme. */
export const APP_ORIGIN = `${APP_SCHEME}://console`;
/** The URL the window loads. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Window options with the checklist applied: isolation, sandbox, no Node, web security on. */
export function createWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'Tombstone Console',
    backgroundColor: '#0f1115',
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true, // checklist: context isolation
      sandbox: true, // checklist: sandbox every renderer
      nodeIntegration: false, // checklist: no Node.js in the renderer
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true, // checklist: never disable webSecurity
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false, // checklist: no <webview>
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}
