import { describe, expect, it } from 'vitest';
import { formatVerifierKey } from '../../shared/ledger/index.ts';
import { ed25519Signer, sha256 } from '../ledger/node-crypto.ts';
import { ProfileError } from './errors.ts';
import { decideTrust, keyFingerprint, offeredKey, trustedKeysOf } from './tofu.ts';

const seed = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const vkeyOf = (name: string, n: number): string =>
  formatVerifierKey(sha256, name, ed25519Signer(name, seed(n)).publicKey);
const stored = (vkey: string) => ({
  vkey,
  validFromSize: null,
  validUntilSize: null,
  confirmedAt: '2026-01-01T00:00:00.000Z',
  source: 'tofu' as const,
});

describe('trust on first use', () => {
  const a = offeredKey(sha256, vkeyOf('log/k1', 1));
  const b = offeredKey(sha256, vkeyOf('log/k2', 2));

  it('asks to confirm the first key, with a stable fingerprint', () => {
    const d = decideTrust([], [a]);
    expect(d.kind).toBe('confirm');
    if (d.kind !== 'confirm') return;
    expect(d.key.vkey).toBe(a.vkey);
    expect(d.fingerprint).toBe(keyFingerprint(a.publicKey));
    expect(d.fingerprint).toMatch(/^SHA256:([0-9a-f]{4}:){7}[0-9a-f]{4}$/);
  });

  it('trusts a checkpoint signed by a stored key, also during a rotation overlap', () => {
    expect(decideTrust([stored(a.vkey)], [a])).toEqual({ kind: 'trusted' });
    expect(decideTrust([stored(a.vkey)], [b, a])).toEqual({ kind: 'trusted' });
  });

  it('reports a changed key instead of prompting again', () => {
    expect(decideTrust([stored(a.vkey)], [b])).toEqual({ kind: 'changed', offered: [b] });
    expect(decideTrust([stored(a.vkey)], [])).toEqual({ kind: 'changed', offered: [] });
  });

  it('rejects a malformed verifier key with E_KEY_INVALID', () => {
    const bad = a.vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+');
    expect(() => offeredKey(sha256, bad)).toThrow(ProfileError);
    try {
      offeredKey(sha256, bad);
    } catch (err) {
      expect((err as ProfileError).code).toBe('E_KEY_INVALID');
    }
  });

  it('turns stored keys into the ledger trust store with validity ranges', () => {
    const keys = trustedKeysOf(sha256, [{ ...stored(a.vkey), validFromSize: 5, validUntilSize: 9 }]);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ name: 'log/k1', keyId: a.keyId, validFromSize: 5, validUntilSize: 9 });
  });
});
