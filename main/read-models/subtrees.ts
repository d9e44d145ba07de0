/**
 * RFC 6962 subtree hashes over the replica's stored leaf hashes, for inclusion proofs. A proof of leaf i in a tree of
 * n leaves needs hashes of subtrees that together cover every other leaf, so computing one from scratch is O(n).
 * Hashes of aligned CHUNK-leaf subtrees of verified entries (which never change) are therefore kept in view_subtrees:
 * after the first proof of a size, each further proof reads at most n / CHUNK cached hashes and about 2 × CHUNK leaves.
 */
import type Database from 'better-sqlite3';
import { auditPathOf, LedgerError, nodeHash, rootOf, splitPoint } from '../../shared/ledger/index.ts';
import { BulkReader } from '../ledger/bulk-read.ts';
import { FastRange } from '../ledger/fast-hash.ts';
import { sha256 } from '../ledger/node-crypto.ts';
import { stmt } from './sql.ts';

/** Leaves per cached subtree (a power of two). */
export const CHUNK = 1024;

const readers = new WeakMap<Database.Database, BulkReader>();

function hashesOf(db: Database.Database, start: number, end: number): Buffer {
  let r = readers.get(db);
  if (r === undefined) {
    r = new BulkReader(db);
    readers.set(db, r);
  }
  const hashes = r.hashes(start, end);
  if (hashes === null)
    throw new LedgerError('GAP', `entries between ${start} and ${end} are missing or malformed`, start);
  return hashes;
}

function perfectRoot(hashes: Buffer, count: number): Uint8Array {
  const range = new FastRange();
  for (let i = 0; i < count; i++) range.append(hashes, i * 32);
  const peaks = range.snapshot();
  const [root] = peaks;
  if (root === undefined || peaks.length !== 1) throw new Error('E_INTERNAL: not a perfect subtree');
  return root;
}

/** Hashes of chunks [c0, c0 + count): cached ones read back, missing ones computed and cached (best effort). */
function chunkHashes(db: Database.Database, c0: number, count: number, verifiedSize: number): Uint8Array[] {
  const cached = new Map(
    (
      stmt(db, 'SELECT chunk, hash FROM view_subtrees WHERE chunk >= ? AND chunk < ?').all(c0, c0 + count) as {
        chunk: number;
        hash: Buffer;
      }[]
    ).map((r) => [r.chunk, new Uint8Array(r.hash)]),
  );
  const fresh: [number, Uint8Array][] = [];
  const out = Array.from({ length: count }, (_, i) => {
    const c = c0 + i;
    const hit = cached.get(c);
    if (hit !== undefined) return hit;
    const h = perfectRoot(hashesOf(db, c * CHUNK, (c + 1) * CHUNK), CHUNK);
    if ((c + 1) * CHUNK <= verifiedSize) fresh.push([c, h]);
    return h;
  });
  if (fresh.length > 0) {
    try {
      db.transaction(() => {
        for (const [c, h] of fresh)
          stmt(db, 'INSERT OR IGNORE INTO view_subtrees (chunk, hash) VALUES (?, ?)').run(c, h);
      })();
    } catch {
      // a read-only connection cannot cache; the proof is still right
    }
  }
  return out;
}

function foldPerfect(level: Uint8Array[]): Uint8Array {
  let nodes = level;
  while (nodes.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < nodes.length; i += 2)
      next.push(nodeHash(sha256, nodes[i] as Uint8Array, nodes[i + 1] as Uint8Array));
    nodes = next;
  }
  const [root] = nodes;
  if (root === undefined) throw new Error('E_INTERNAL: empty subtree');
  return root;
}

function isPowerOfTwo(n: number): boolean {
  let x = n;
  while (x > 1 && x % 2 === 0) x /= 2;
  return x === 1;
}

/** RFC 6962 hash of the subtree over leaves [start, start + n), n ≥ 1, within the verified prefix. */
export function subtreeHash(db: Database.Database, start: number, n: number, verifiedSize: number): Uint8Array {
  if (n >= CHUNK && isPowerOfTwo(n) && start % CHUNK === 0)
    return foldPerfect(chunkHashes(db, start / CHUNK, n / CHUNK, verifiedSize));
  if (n <= CHUNK) {
    const hashes = hashesOf(db, start, start + n);
    return rootOf(
      sha256,
      Array.from({ length: n }, (_, i) => hashes.subarray(i * 32, i * 32 + 32)),
    );
  }
  const k = splitPoint(n);
  return nodeHash(sha256, subtreeHash(db, start, k, verifiedSize), subtreeHash(db, start + k, n - k, verifiedSize));
}

/** The RFC 6962 audit path of leaf `index` in the tree of the first `size` stored leaves, bottom-up. */
export function auditPath(db: Database.Database, index: number, size: number): Uint8Array[] {
  return auditPathOf((start, n) => subtreeHash(db, start, n, size), index, size);
}
