/** People, roles and bearer tokens. Only a SHA-256 of each token is stored; the token is shown once at creation. */
import type Database from 'better-sqlite3';
import { randomHex, sha256Hex } from '../crypto/node-crypto.ts';
import { stmt } from './stmt.ts';

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
export function addUser(db: Database.Database, name: string, role: Role, now = Date.now()): string {
  if (!USER_NAME_RE.test(name))
    throw new RangeError(`invalid user name "${name}": use lowercase letters, digits, . _ -`);
  const token = `tsk_${randomHex(32)}`;
  db.transaction(() => {
    db.prepare(
      'INSERT INTO users (name, role, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET role = excluded.role',
    ).run(name, role, now);
    db.prepare('INSERT INTO tokens (hash, user_name, created_at) VALUES (?, ?, ?)').run(sha256Hex(token), name, now);
  }).immediate();
  return token;
}

const AUTH_CACHE_MS = 5000;
const authCache = new WeakMap<Database.Database, Map<string, { principal: Principal; until: number }>>();

/** Looks a bearer token up by its hash; null when unknown. Known tokens are cached for 5 s (role changes apply within that). */
export function principalForToken(db: Database.Database, token: string): Principal | null {
  let cache = authCache.get(db);
  if (cache === undefined) {
    cache = new Map();
    authCache.set(db, cache);
  }
  const hash = sha256Hex(token);
  const now = Date.now();
  const hit = cache.get(hash);
  if (hit !== undefined && hit.until > now) return hit.principal;
  if (cache.size > 10_000) cache.clear();
  const principal = lookup(db, hash);
  if (principal !== null) cache.set(hash, { principal, until: now + AUTH_CACHE_MS });
  return principal;
}

function lookup(db: Database.Database, hash: string): Principal | null {
  const row = stmt(
    db,
    'SELECT u.name AS name, u.role AS role FROM tokens t JOIN users u ON u.name = t.user_name WHERE t.hash = ?',
  ).get(hash) as { name: string; role: string } | undefined;
  if (row === undefined || !isRole(row.role)) return null;
  return { name: row.name, role: row.role };
}
