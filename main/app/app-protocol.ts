/** Serves the built renderer from `app://console/…` with the strict CSP on every response. */
import { protocol } from 'electron';
import { resolveStatic } from '../browser-host/static-files.ts';
import { SECURITY_HEADERS } from '../browser-host/security.ts';
import { APP_SCHEME } from './window-options.ts';

/** Must run before `app.ready`: declares app:// a standard, secure scheme. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** Installs the handler that maps app://console/<path> to files under `rendererDir`. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = url.host === 'console' ? await resolveStatic(rendererDir, url.pathname) : null;
    if (!file) return new Response('not found', { status: 404, headers: SECURITY_HEADERS });
    return new Response(new Uint8Array(file.body), {
      status: 200,
      headers: { ...SECURITY_HEADERS, 'content-type': file.type },
    });
  });
}
