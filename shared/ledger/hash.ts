/** SHA-256 is injected so the ledger code stays pure (node:crypto in main/ and control-plane/, anything else elsewhere). */

/** A synchronous SHA-256: returns the 32-byte digest of `data`. */
export type Sha256 = (data: Uint8Array) => Uint8Array;

/** Length in bytes of every hash the ledger handles. */
export const HASH_BYTES = 32;

/** True when two byte arrays hold the same bytes (not constant-time: hashes and roots are public). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Concatenates byte arrays into a new one. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
