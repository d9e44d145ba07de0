/**
 * The security checks of browser mode, kept pure so tests can assert each one: loopback Host only
 * (DNS-rebinding defence), same-origin Origin, a per-launch session token exchanged for an
 * HttpOnly SameSite=Strict cookie, and a strict CSP on every response.
 */
import { timingSafeEqual } from 'node:crypto';

/**
 * The cookie that carries the session after the token exchange. Browsers scope cookies by host, not port, so the
 * name carries the port: two consoles on 127.0.0.1 in one browser keep their own sessions.
 */
export function sessionCookieName(port: number): string {
  return `tombstone_session_${port}`;
}

/** The Content-Security-Policy of every browser-mode response: no inline scripts, no remote origins. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers sent with every response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

/** The Host values a loopback server on `port` accepts. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** True when `host` names this loopback server (anything else may be a DNS-rebinding attack). */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  return host !== undefined && allowedHosts(port).includes(host.toLowerCase());
}

/** True when `origin` is absent (same-origin GET) or is this server's own origin. */
export function isAllowedOrigin(origin: string | undefined, port: number, required: boolean): boolean {
  if (origin === undefined) return !required;
  return allowedHosts(port).some((h) => origin.toLowerCase() === `http://${h}`);
}

/** Constant-time comparison of two secrets. */
export function secretsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

/** The Set-Cookie value that stores the session of the console on `port`. */
export function sessionCookie(port: number, value: string): string {
  return `${sessionCookieName(port)}=${value}; HttpOnly; SameSite=Strict; Path=/`;
}
