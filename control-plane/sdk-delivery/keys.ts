/**
 * SDK keys: per environment, read-only, made by an admin. The key is shown once (`tsdk_<env>_<random>`); only its
 * SHA-256 is stored. A request carrying one is an SDK: it may read its environment's config, stream and flagd
 * document and post telemetry for it, nothing else.
 */
import { randomHex, sha256Hex } from '../crypto/node-crypto.ts';
import type { Sql } from '../db/sql.ts';

/** Prefix every SDK key starts with (user tokens start with `tsk_`). */
export const SDK_KEY_PREFIX = 'tsdk_';

/** An authenticated SDK. */
export interface SdkPrincipal {
  id: string;
  env: string;
  name: string;
}

/** A stored key (never the key itself). */
export interface SdkKeyInfo extends SdkPrincipal {
  created_by: string;
  created_at: string;
}

/** Names of SDK keys: like service names. */
export const SDK_KEY_NAME_RE = /^[a-z][a-z0-9._-]{0,62}$/;

/** True when a bearer token is shaped like an SDK key. */
export function looksLikeSdkKey(token: string): boolean {
  return token.startsWith(SDK_KEY_PREFIX);
}

/** Creates an SDK key for `env`; returns its id and the key (shown once). */
export async function addSdkKey(
  sql: Sql,
  env: string,
  name: string,
  createdBy: string,
  now = Date.now(),
): Promise<{ id: string; key: string }> {
  if (!SDK_KEY_NAME_RE.test(name))
    throw new RangeError(`invalid SDK key name "${name}": use lowercase letters, digits, . _ -`);
  const id = `sdkk_${randomHex(8)}`;
  const key = `${SDK_KEY_PREFIX}${env}_${randomHex(32)}`;
  await sql.run('INSERT INTO sdk_keys (id, hash, env, name, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
    id,
    sha256Hex(key),
    env,
    name,
    createdBy,
    now,
  ]);
  return { id, key };
}

const CACHE_MS = 5000;
const cache = new WeakMap<Sql, Map<string, { sdk: SdkPrincipal; until: number }>>();

/** The SDK a key belongs to, or null (known keys are cached for 5 s). */
export async function sdkForKey(sql: Sql, key: string): Promise<SdkPrincipal | null> {
  let c = cache.get(sql);
  if (c === undefined) {
    c = new Map();
    cache.set(sql, c);
  }
  const hash = sha256Hex(key);
  const now = Date.now();
  const hit = c.get(hash);
  if (hit !== undefined && hit.until > now) return hit.sdk;
  if (c.size > 10_000) c.clear();
  const row = await sql.get<SdkPrincipal>('SELECT id, env, name FROM sdk_keys WHERE hash = ?', [hash]);
  if (row === undefined) return null;
  c.set(hash, { sdk: row, until: now + CACHE_MS });
  return row;
}

/** Deletes an SDK key; true when it existed. Cached lookups are dropped, so the key stops working at once. */
export async function revokeSdkKey(sql: Sql, id: string): Promise<boolean> {
  const deleted = (await sql.run('DELETE FROM sdk_keys WHERE id = ?', [id])).changes > 0;
  if (deleted) cache.get(sql)?.clear();
  return deleted;
}

/** Every SDK key, oldest first. */
export async function listSdkKeys(sql: Sql): Promise<SdkKeyInfo[]> {
  // Oldest first: the insertion order (SQLite's rowid; on PostgreSQL an identity column of that name).
  const rows = await sql.all<{ id: string; env: string; name: string; created_by: string; created_at: number }>(
    'SELECT id, env, name, created_by, created_at FROM sdk_keys ORDER BY rowid',
  );
  return rows.map((r) => ({ ...r, created_at: new Date(r.created_at).toISOString() }));
}
