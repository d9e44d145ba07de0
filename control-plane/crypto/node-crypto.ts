/** Node adapters for the pure ledger core (SHA-256, Ed25519 from a raw seed) plus the HMAC and random helpers. */
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  hash,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Ed25519Verify, NoteSigner, Sha256 } from '../../shared/ledger/index.ts';

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** SHA-256 through the one-shot fast path. */
export const sha256: Sha256 = (data) => hash('sha256', data, 'buffer');

/** Lowercase hex SHA-256 of a string or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}

/** The KeyObject of a raw 32-byte Ed25519 seed. */
function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The raw 32-byte public key of an Ed25519 seed. */
export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  const der = createPublicKey(privateKeyFromSeed(seed)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(SPKI_PREFIX.length));
}

/** A checkpoint signer holding the private key object (the seed itself is not kept). */
export function ed25519Signer(name: string, seed: Uint8Array): NoteSigner {
  const key = privateKeyFromSeed(seed);
  return { name, publicKey: publicKeyFromSeed(seed), sign: (msg) => new Uint8Array(sign(null, msg, key)) };
}

/** Ed25519 verification from a raw public key; false for malformed keys or signatures. */
export const ed25519Verify: Ed25519Verify = (pub, msg, sig) => {
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pub]), format: 'der', type: 'spki' });
    return verify(null, msg, key, sig);
  } catch {
    return false;
  }
};

/** HMAC-SHA256 of `data` under `key`, lowercase hex. */
export function hmacHex(key: Uint8Array | string, data: string | Uint8Array): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/** Constant-time comparison of two strings (false when lengths differ). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `n` cryptographically random bytes as lowercase hex. */
export function randomHex(n: number): string {
  return randomBytes(n).toString('hex');
}

/** `n` cryptographically random bytes. */
export function randomSeed(n = 32): Uint8Array {
  return new Uint8Array(randomBytes(n));
}
