/**
 * Trust on first use for checkpoint keys. The first contact with a log shows the user the fingerprint of the key that
 * signed its latest checkpoint and stores it once confirmed; afterwards a checkpoint signed by no stored key is an
 * alert (the key changed), never another prompt — a prompt would teach people to click through an attack.
 */
import { createHash } from 'node:crypto';
import type { Sha256, TrustedKey } from '../../shared/ledger/index.ts';
import { parseVerifierKey } from '../../shared/ledger/index.ts';
import { ProfileError } from './errors.ts';
import type { StoredKey } from './profile-file.ts';

/** A signing key the server says signed a checkpoint. */
export interface OfferedKey {
  vkey: string;
  name: string;
  keyId: string;
  publicKey: Uint8Array;
  validFromSize: number | null;
  validUntilSize: number | null;
}

/** What to do about the keys that signed the server's checkpoint. */
export type TrustDecision =
  | { kind: 'trusted' }
  | { kind: 'confirm'; key: OfferedKey; fingerprint: string }
  | { kind: 'changed'; offered: OfferedKey[] };

/** The fingerprint people compare: SHA-256 of the raw public key, as 8 groups of 4 hex digits (first 16 bytes). */
export function keyFingerprint(publicKey: Uint8Array): string {
  const hex = createHash('sha256').update(publicKey).digest('hex').slice(0, 32);
  return `SHA256:${hex.match(/.{4}/g)?.join(':') ?? hex}`;
}

/** Parses a verifier key into an OfferedKey; throws ProfileError E_KEY_INVALID. */
export function offeredKey(
  sha: Sha256,
  vkey: string,
  validFromSize: number | null = null,
  validUntilSize: number | null = null,
): OfferedKey {
  let parsed: TrustedKey;
  try {
    parsed = parseVerifierKey(sha, vkey);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ProfileError(
      'E_KEY_INVALID',
      `The key "${vkey.slice(0, 80)}" is not a valid verifier key (${why}). Copy it again from the control plane's administrator.`,
    );
  }
  return { vkey, name: parsed.name, keyId: parsed.keyId, publicKey: parsed.publicKey, validFromSize, validUntilSize };
}

/** The stored keys as the ledger's trust store wants them. */
export function trustedKeysOf(sha: Sha256, keys: readonly StoredKey[]): TrustedKey[] {
  return keys.map((k) => {
    const parsed = parseVerifierKey(sha, k.vkey);
    const key: TrustedKey = { ...parsed, validUntilSize: k.validUntilSize };
    if (k.validFromSize !== null) key.validFromSize = k.validFromSize;
    return key;
  });
}

/** Decides between trusted, first-use confirmation and key change, given the keys that signed the latest checkpoint. */
export function decideTrust(stored: readonly StoredKey[], signers: readonly OfferedKey[]): TrustDecision {
  const first = signers[0];
  if (first === undefined) return { kind: 'changed', offered: [] };
  if (stored.length === 0) return { kind: 'confirm', key: first, fingerprint: keyFingerprint(first.publicKey) };
  const known = new Set(stored.map((k) => k.vkey));
  return signers.some((s) => known.has(s.vkey)) ? { kind: 'trusted' } : { kind: 'changed', offered: [...signers] };
}
