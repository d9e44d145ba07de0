/**
 * The high-water mark: (origin, verified size, root) kept outside the database file, so restoring an older copy of the
 * database (or swapping in another history) is detected on open. Encryption is injectable: the Electron shell plugs
 * safeStorage in; the default is plain JSON written with mode 0600.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { LedgerError, bytesEqual, fromHex, toHex } from '../../shared/ledger/index.ts';

/** What the mark records. */
export interface HighWaterMark {
  origin: string;
  size: number;
  /** Hex root of the verified tree at `size`. */
  root: string;
}

/** Turns the mark's JSON bytes into stored bytes and back (e.g. Electron safeStorage). */
export interface HighWaterMarkCodec {
  encode(plain: Uint8Array): Uint8Array;
  decode(stored: Uint8Array): Uint8Array;
}

/** Where the mark lives. */
export interface HighWaterMarkStore {
  /** Human-readable location, for messages. */
  readonly location: string;
  /** The stored mark, or null if none was ever written. Throws HIGH_WATER_MARK_ROLLBACK if it is unreadable. */
  read(): HighWaterMark | null;
  /** Replaces the mark atomically. */
  write(mark: HighWaterMark): void;
}

/** Stores the mark as plain JSON bytes. */
export const plainCodec: HighWaterMarkCodec = { encode: (b) => b, decode: (b) => b };

function unreadable(location: string, why: string): never {
  throw new LedgerError(
    'HIGH_WATER_MARK_ROLLBACK',
    `the high-water mark at ${location} is unreadable (${why}); it may have been tampered with. Restore it or re-sync the replica from the control plane.`,
  );
}

function parseMark(location: string, text: string): HighWaterMark {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    unreadable(location, 'not JSON');
  }
  if (typeof value !== 'object' || value === null) unreadable(location, 'not an object');
  const o = value as Record<string, unknown>;
  const { origin, size, root } = o;
  if (typeof origin !== 'string' || typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    unreadable(location, 'bad fields');
  if (typeof root !== 'string' || !/^[0-9a-f]{64}$/.test(root)) unreadable(location, 'bad root');
  return { origin, size, root };
}

/** A mark stored in one file (written to `<path>.tmp`, fsynced, then renamed over `path`). */
export function fileHighWaterMark(path: string, codec: HighWaterMarkCodec = plainCodec): HighWaterMarkStore {
  return {
    location: path,
    read() {
      let stored: Buffer;
      try {
        stored = readFileSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      let plain: Uint8Array;
      try {
        plain = codec.decode(stored);
      } catch {
        unreadable(path, 'it cannot be decrypted');
      }
      return parseMark(path, Buffer.from(plain).toString('utf8'));
    },
    write(mark) {
      const bytes = codec.encode(Buffer.from(JSON.stringify(mark), 'utf8'));
      const tmp = `${path}.tmp`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, bytes);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
    },
  };
}

/** A mark kept in memory (tests, :memory: replicas). */
export function memoryHighWaterMark(
  initial: HighWaterMark | null = null,
): HighWaterMarkStore & { current: HighWaterMark | null } {
  const store = {
    location: 'memory',
    current: initial,
    read: () => store.current,
    write: (mark: HighWaterMark) => {
      store.current = { ...mark };
    },
  };
  return store;
}

/** The replica's side of the comparison: its state and a way to compute its root at an older size. */
export interface ReplicaMark {
  origin: string;
  size: number;
  root: Uint8Array;
  rootAt(size: number): Uint8Array;
}

/**
 * Compares the stored mark with the replica: a mark ahead of the replica, or a different root at the mark's size,
 * means an older or different database was put in place (HIGH_WATER_MARK_ROLLBACK); another origin is ORIGIN_MISMATCH.
 */
export function checkHighWaterMark(mark: HighWaterMark, replica: ReplicaMark, location: string): void {
  if (mark.origin !== replica.origin) {
    throw new LedgerError(
      'ORIGIN_MISMATCH',
      `the high-water mark at ${location} is for "${mark.origin}", the replica for "${replica.origin}"`,
    );
  }
  if (mark.size > replica.size) {
    throw new LedgerError(
      'HIGH_WATER_MARK_ROLLBACK',
      `the replica is verified to size ${replica.size} but was already verified to ${mark.size} (${location}): an older copy of the database was restored. Re-sync from the control plane.`,
      replica.size,
    );
  }
  const root = mark.size === replica.size ? replica.root : replica.rootAt(mark.size);
  if (!bytesEqual(root, fromHex(mark.root))) {
    throw new LedgerError(
      'HIGH_WATER_MARK_ROLLBACK',
      `the replica's root at size ${mark.size} differs from the high-water mark (${location}): the database was replaced by another history.`,
      mark.size,
    );
  }
}

/** The mark describing a replica state. */
export function markOf(origin: string, size: number, root: Uint8Array): HighWaterMark {
  return { origin, size, root: toHex(root) };
}
