/**
 * Idempotency keys on action requests: the same key with the same method, path and body replays the stored response
 * and writes nothing (no second ledger entry); the same key with a different request is 422 IDEMPOTENCY_KEY_REUSED.
 * Keys are scoped to the caller and kept for 24 hours.
 */
import type { Db } from '../db/db.ts';
import { sha256Hex } from '../crypto/node-crypto.ts';
import { stmt } from '../db/stmt.ts';
import { HttpError } from './errors.ts';

const KEY_RE = /^[\x21-\x7e]{1,200}$/;
const TTL_MS = 24 * 60 * 60 * 1000;

/** A stored response. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

/** Validates the header value; undefined when absent. */
export function idempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !KEY_RE.test(header)) {
    throw new HttpError(
      'INVALID_IDEMPOTENCY_KEY',
      'Idempotency-Key must be 1-200 printable ASCII characters without spaces',
    );
  }
  return header;
}

/** The fingerprint a key is bound to. */
export function requestHash(method: string, path: string, body: Buffer): string {
  return sha256Hex(Buffer.concat([Buffer.from(`${method} ${path}\n`), body]));
}

/** The earlier response for (user, key), or null; throws 422 when the key was used for a different request. */
export function findReplay(db: Db, user: string, key: string, hash: string, now: number): StoredResponse | null {
  const row = stmt(
    db,
    'SELECT request_hash, status, body, created_at FROM idempotency WHERE user_name = ? AND key = ?',
  ).get(user, key) as { request_hash: string; status: number; body: string; created_at: number } | undefined;
  if (row === undefined || now - row.created_at > TTL_MS) return null;
  if (row.request_hash !== hash) {
    throw new HttpError(
      'IDEMPOTENCY_KEY_REUSED',
      'this Idempotency-Key was already used for a different request; use a new key',
    );
  }
  return { status: row.status, body: JSON.parse(row.body) as unknown };
}

/** Remembers the response for (user, key). */
export function saveReplay(db: Db, user: string, key: string, hash: string, res: StoredResponse, now: number): void {
  stmt(
    db,
    `INSERT INTO idempotency (user_name, key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (user_name, key) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status,
    body = excluded.body, created_at = excluded.created_at`,
  ).run(user, key, hash, res.status, JSON.stringify(res.body), now);
}

/** Drops keys older than the retention window. */
export function pruneReplays(db: Db, now: number): void {
  stmt(db, 'DELETE FROM idempotency WHERE created_at < ?').run(now - TTL_MS);
}
