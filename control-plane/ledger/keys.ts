/**
 * Checkpoint signing keys. Each key's 32-byte Ed25519 seed lives in `<data>/keys/k<n>.seed` (mode 0600, never in the
 * database); the database holds the public half and its validity range in tree sizes. Rotation adds a key that signs
 * from the current size on, while the old key keeps co-signing for an overlap of entries and then retires.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NoteSigner } from '../../shared/ledger/index.ts';
import { formatVerifierKey, fromHex, keyId, toBase64, toHex } from '../../shared/ledger/index.ts';
import { ed25519Signer, randomSeed, sha256 } from '../crypto/node-crypto.ts';
import type { Store } from '../db/store.ts';

/** A signing key as published by GET /api/v1/ledger/keys. */
export interface KeyInfo {
  name: string;
  key_id: string;
  vkey: string;
  public_key: string;
  valid_from_size: number;
  valid_until_size: number | null;
}

interface KeyRow {
  name: string;
  public_key: Uint8Array;
  vkey: string;
  valid_from_size: number;
  valid_until_size: number | null;
}

/** Seed of the demo's first key: fixed so resources/demo can ship its verifier key (demo only, never for real logs). */
export const DEMO_KEY_SEED = sha256(new TextEncoder().encode('tombstone-console demo signing key v1'));

/** The set of signing keys of one log. */
export class KeyRing {
  private readonly store: Store;
  private readonly dir: string;
  private readonly origin: string;
  private signers = new Map<string, NoteSigner>();

  constructor(store: Store, dataDir: string, origin: string, firstSeed?: Uint8Array) {
    this.store = store;
    this.dir = join(dataDir, 'keys');
    this.origin = origin;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    if (this.rows().length === 0) this.create(0, firstSeed ?? randomSeed());
    for (const row of this.rows()) this.loadSigner(row);
  }

  /** Every key, oldest first. */
  list(): KeyInfo[] {
    return this.rows().map((r) => ({
      name: r.name,
      key_id: keyId(sha256, r.name, r.public_key),
      vkey: r.vkey,
      public_key: toBase64(r.public_key),
      valid_from_size: r.valid_from_size,
      valid_until_size: r.valid_until_size,
    }));
  }

  /**
   * The signers whose validity range covers a checkpoint of `size`. On a shared database another instance may have
   * rotated: its new key's seed is read from this data dir once the operator copied it there; until then this throws
   * SIGNING_KEY_MISSING rather than sign without a key the log requires (the other instances keep signing).
   */
  signersFor(size: number): NoteSigner[] {
    const rows = this.rows();
    return rows
      .filter((r) => r.valid_from_size <= size && (r.valid_until_size === null || size <= r.valid_until_size))
      .map((r) => {
        if (!this.signers.has(r.name)) this.loadSigner(r, rows);
        const signer = this.signers.get(r.name);
        if (signer === undefined) {
          throw new Error(
            `SIGNING_KEY_MISSING: ${this.seedFile(r, rows)} should hold ${r.name}, which signs size ${size}; copy it ` +
              'from the instance that rotated the key',
          );
        }
        return signer;
      });
  }

  /** Adds a new key valid from `size`; currently open keys stay valid until size + overlap. Returns the new key. */
  rotate(size: number, overlap: number, now: number): KeyInfo {
    const name = this.store.tx(() => {
      this.store.db
        .prepare('UPDATE signing_keys SET valid_until_size = ? WHERE valid_until_size IS NULL')
        .run(size + overlap);
      return this.create(size, randomSeed(), now);
    });
    const row = this.rows().find((r) => r.name === name);
    if (row === undefined) throw new Error('rotated key vanished');
    this.loadSigner(row);
    return this.list().find((k) => k.name === name) as KeyInfo;
  }

  private rows(): KeyRow[] {
    return this.store.db
      .prepare('SELECT name, public_key, vkey, valid_from_size, valid_until_size FROM signing_keys ORDER BY rowid')
      .all() as KeyRow[];
  }

  private create(validFrom: number, seed: Uint8Array, now = Date.now()): string {
    const n = this.rows().length + 1;
    const name = `${this.origin}/k${n}`;
    const file = join(this.dir, `k${n}.seed`);
    writeFileSync(file, `${toHex(seed)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    const signer = ed25519Signer(name, seed);
    this.store.db
      .prepare(
        'INSERT INTO signing_keys (name, public_key, vkey, valid_from_size, valid_until_size, created_at) VALUES (?, ?, ?, ?, NULL, ?)',
      )
      .run(name, signer.publicKey, formatVerifierKey(sha256, name, signer.publicKey), validFrom, now);
    return name;
  }

  private seedFile(row: KeyRow, rows: KeyRow[] = this.rows()): string {
    return join(this.dir, `k${rows.findIndex((r) => r.name === row.name) + 1}.seed`);
  }

  private loadSigner(row: KeyRow, rows: KeyRow[] = this.rows()): void {
    const file = this.seedFile(row, rows);
    if (!existsSync(file)) {
      if (row.valid_until_size === null)
        throw new Error(`SIGNING_KEY_MISSING: ${file} holds the active key ${row.name} and is gone`);
      return;
    }
    const signer = ed25519Signer(row.name, fromHex(readFileSync(file, 'utf8').trim()));
    if (toHex(signer.publicKey) !== toHex(row.public_key))
      throw new Error(`SIGNING_KEY_MISMATCH: ${file} does not hold ${row.name}`);
    this.signers.set(row.name, signer);
  }
}
