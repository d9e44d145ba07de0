/** People, roles and bearer tokens. Only a SHA-256 of each token is stored; the token is shown once at creation. */
import { randomHex, sha256Hex } from '../crypto/node-crypto.ts';
import type { Sql } from './sql.ts';

/** The four roles of the protocol. */
export type Role = 'viewer' | 'responder' | 'approver' | 'admin';

/** Every role, in increasing privilege. */
export const ROLES: readonly Role[] = ['viewer', 'responder', 'approver', 'admin'];

/** An authenticated person. */
export interface Principal {
  name: string;
  role: Role;
}

/** Allowed user names: lowercase, starting with a letter (they appear as actor ids in the ledger). */
export const USER_NAME_RE = /^[a-z][a-z0-9._-]{0,62}$/;

/** True for a known role name. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Creates the user if new (or changes their role) and issues a fresh token; returns the token (never stored). */
export async function addUser(sql: Sql, name: string, role: Role, now = Date.now()): Promise<string> {
  if (!USER_NAME_RE.test(name))
    throw new RangeError(`invalid user name "${name}": use lowercase letters, digits, . _ -`);
  const token = `tsk_${randomHex(32)}`;
  await sql.tx(async () => {
    await sql.run(
      'INSERT INTO users (name, role, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET role = excluded.role',
      [name, role, now],
    );
    await sql.run('INSERT INTO tokens (hash, user_name, created_at) VALUES (?, ?, ?)', [sha256Hex(token), name, now]);
  });
  return token;
}

const AUTH_CACHE_MS = 5000;
const authCache = new WeakMap<Sql, Map<string, { principal: Principal; until: number }>>();

/** Looks a bearer token up by its hash; null when unknown. Known tokens are cached for 5 s (role changes apply within that). */
export async function principalForToken(sql: Sql, token: string): Promise<Principal | null> {
  let cache = authCache.get(sql);
  if (cache === undefined) {
    cache = new Map();
    authCache.set(sql, cache);
  }
  const hash = sha256Hex(token);
  const now = Date.now();
  const hit = cache.get(hash);
  if (hit !== undefined && hit.until > now) return hit.principal;
  if (cache.size > 10_000) cache.clear();
  const principal = await lookup(sql, hash);
  if (principal !== null) cache.set(hash, { principal, until: now + AUTH_CACHE_MS });
  return principal;
}

async function lookup(sql: Sql, hash: string): Promise<Principal | null> {
  const row = await sql.get<{ name: string; role: string }>(
    'SELECT u.name AS name, u.role AS role FROM tokens t JOIN users u ON u.name = t.user_name WHERE t.hash = ?',
    [hash],
  );
  if (row === undefined || !isRole(row.role)) return null;
  return { name: row.name, role: row.role };
}
