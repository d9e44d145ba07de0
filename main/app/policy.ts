/**
 * Pure decisions behind the Electron checklist items that involve URLs and senders; the Electron
 * glue calls these, tests assert them.
 */
import { APP_ORIGIN } from './window-options.ts';

/** Checklist: deny all navigation away from the app (and every in-page navigation to another origin). */
export function decideNavigation(url: string): 'allow' | 'deny' {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN ? 'allow' : 'deny';
  } catch {
    return 'deny';
  }
}

/** Checklist: `shell.openExternal` only for https URLs whose origin is on the allowlist. */
export function decideOpenExternal(url: string, allowedOrigins: readonly string[]): 'open' | 'refuse' {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'refuse';
  }
  if (u.protocol !== 'https:' || u.username || u.password) return 'refuse';
  return allowedOrigins.includes(u.origin) ? 'open' : 'refuse';
}

/** What main knows about the frame that sent an IPC message. */
export interface SenderFacts {
  webContentsId: number;
  frameUrl: string | null;
  isMainFrame: boolean;
}

/** Checklist: validate the sender of every IPC message — own window, app origin, main frame only. */
export function isTrustedSender(sender: SenderFacts, ownWebContentsId: number | null): boolean {
  if (ownWebContentsId === null || sender.webContentsId !== ownWebContentsId || !sender.isMainFrame) return false;
  if (sender.frameUrl === null) return false;
  return decideNavigation(sender.frameUrl) === 'allow';
}

/** Checklist: deny every permission request (camera, notifications via web API, geolocation, …). */
export function decidePermission(_permission: string): false {
  return false;
}
