/**
 * C2SP signed-note checkpoints: `<origin>\n<size>\n<base64 root>\n\n— <name> <base64(keyid ‖ sig)>\n…`. Parsing is
 * strict (one spelling per note); verification accepts a note only if a trusted key valid for its size signed it,
 * ignores signatures from unknown (name, key id) pairs, and rejects it if any known key's signature fails.
 */
import type { Sha256 } from './hash.ts';
import { HASH_BYTES, bytesEqual, concatBytes } from './hash.ts';
import { LedgerError } from './errors.ts';
import { fromBase64Strict, fromHex, toBase64, toHex, utf8Encode } from './encoding.ts';

/** What a checkpoint commits to. */
export interface CheckpointBody {
  origin: string;
  size: number;
  root: Uint8Array;
}

/** One signature line of a note. */
export interface NoteSignature {
  name: string;
  /** 8 lowercase hex digits: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key). */
  keyId: string;
  signature: Uint8Array;
}

/** A strictly parsed (not yet trusted) checkpoint note. */
export interface ParsedCheckpoint extends CheckpointBody {
  /** The signed message: the note text up to and including the newline before the last blank line. */
  body: string;
  signatures: NoteSignature[];
  /** The full note text as received. */
  text: string;
}

/** Something that can sign (the control plane's key; never present in the console). */
export interface NoteSigner {
  name: string;
  publicKey: Uint8Array;
  sign(msg: Uint8Array): Uint8Array;
}

/** Ed25519 verification, injected: true when `sig` is a valid signature of `msg` by the raw 32-byte `pub`. */
export type Ed25519Verify = (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array) => boolean;

/** A key the verifier trusts, for checkpoint sizes in [validFromSize, validUntilSize] (both inclusive; null = open). */
export interface TrustedKey {
  name: string;
  keyId: string;
  publicKey: Uint8Array;
  validFromSize?: number;
  validUntilSize?: number | null;
  revoked?: boolean;
}

/** What a verifier pins: the log origin and its trust store. */
export interface CheckpointPolicy {
  origin: string;
  trusted: readonly TrustedKey[];
}

/** Upper bounds that keep parsing cheap on hostile input. */
export const MAX_NOTE_SIGNATURES = 16;
/** Largest accepted note text, in characters. */
export const MAX_NOTE_CHARS = 8192;

const EM_DASH = '\u2014';
const SIZE_RE = /^(0|[1-9][0-9]*)$/;
const NAME_RE = /^[^\s+\u2014]+$/u;
// Control characters other than \n are never allowed (this also rejects \r, so CRLF notes fail).
const CONTROL_RE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const ED25519_SIG_BYTES = 64;

function malformed(detail: string): never {
  throw new LedgerError('MALFORMED_CHECKPOINT', detail);
}

/** The key id of (name, Ed25519 public key) as 8 lowercase hex digits. */
export function keyId(sha: Sha256, name: string, pub: Uint8Array): string {
  const digest = sha(concatBytes(utf8Encode(name), new Uint8Array([0x0a, 0x01]), pub));
  return toHex(digest.subarray(0, 4));
}

/** The verifier key string `<name>+<key id hex>+<base64(0x01 ‖ pub)>`. */
export function formatVerifierKey(sha: Sha256, name: string, pub: Uint8Array): string {
  return `${name}+${keyId(sha, name, pub)}+${toBase64(concatBytes(new Uint8Array([0x01]), pub))}`;
}

/** Parses a verifier key string, checking its key id and algorithm byte; throws MALFORMED_CHECKPOINT. */
export function parseVerifierKey(sha: Sha256, vkey: string): TrustedKey {
  // The base64 part may itself contain '+', so split at the first two only.
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  if (first < 0 || second < 0) malformed('a verifier key is <name>+<8 hex>+<base64 key>');
  const [name, id, b64] = [vkey.slice(0, first), vkey.slice(first + 1, second), vkey.slice(second + 1)];
  if (!NAME_RE.test(name)) malformed('the verifier key name is empty or has spaces');
  if (!/^[0-9a-f]{8}$/.test(id)) malformed('the verifier key id must be 8 lowercase hex digits');
  let raw: Uint8Array;
  try {
    raw = fromBase64Strict(b64);
  } catch {
    malformed('the verifier key is not canonical base64');
  }
  if (raw.length !== 33 || raw[0] !== 0x01) malformed('the verifier key is not an Ed25519 key (0x01 ‖ 32 bytes)');
  const publicKey = raw.subarray(1);
  if (keyId(sha, name, publicKey) !== id) malformed('the verifier key id does not match its name and public key');
  return { name, keyId: id, publicKey };
}

/** The signed part of a checkpoint: origin, size and base64 root, each on its own line. */
export function formatCheckpointBody(body: CheckpointBody): string {
  if (!Number.isSafeInteger(body.size) || body.size < 0)
    throw new LedgerError('SIZE_MISMATCH', 'checkpoint size must be a safe integer ≥ 0');
  if (body.root.length !== HASH_BYTES)
    throw new LedgerError('MALFORMED_CHECKPOINT', 'checkpoint root must be 32 bytes');
  if (body.origin.length === 0 || body.origin.includes('\n') || CONTROL_RE.test(body.origin))
    throw new LedgerError('MALFORMED_CHECKPOINT', 'checkpoint origin must be one non-empty line');
  return `${body.origin}\n${body.size}\n${toBase64(body.root)}\n`;
}

/** Producer side: the full signed note over `body`, one signature line per signer. */
export function signCheckpoint(sha: Sha256, body: CheckpointBody, signers: readonly NoteSigner[]): string {
  const text = formatCheckpointBody(body);
  const msg = utf8Encode(text);
  const lines = signers.map((s) => {
    const sig = s.sign(msg);
    const id = fromHex(keyId(sha, s.name, s.publicKey));
    return `${EM_DASH} ${s.name} ${toBase64(concatBytes(id, sig))}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(`${EM_DASH} `)) malformed('a signature line must start with an em dash (U+2014) and a space');
  const parts = line.slice(2).split(' ');
  if (parts.length !== 2) malformed('a signature line is "— <name> <base64>"');
  const [name, b64] = parts as [string, string];
  if (!NAME_RE.test(name)) malformed('a signature key name is empty or has invalid characters');
  let raw: Uint8Array;
  try {
    raw = fromBase64Strict(b64);
  } catch {
    malformed('a signature is not canonical base64');
  }
  if (raw.length < 5) malformed('a signature is shorter than its 4-byte key id plus signature');
  return { name, keyId: toHex(raw.subarray(0, 4)), signature: raw.subarray(4) };
}

function parseBody(body: string): CheckpointBody {
  const lines = body.split('\n');
  lines.pop();
  if (lines.length !== 3) malformed('the checkpoint body must be exactly origin, size and root lines');
  const [origin, sizeLine, rootLine] = lines as [string, string, string];
  if (origin.length === 0) malformed('the checkpoint origin line is empty');
  if (!SIZE_RE.test(sizeLine)) malformed('the tree size must be decimal without leading zeros');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) malformed('the tree size exceeds 2^53 - 1');
  let root: Uint8Array;
  try {
    root = fromBase64Strict(rootLine);
  } catch {
    malformed('the root is not canonical padded base64');
  }
  if (root.length !== HASH_BYTES) malformed('the root must decode to exactly 32 bytes');
  return { origin, size, root };
}

/** Parses a note strictly (no CR or control characters, final newline, bounded signatures); throws MALFORMED_CHECKPOINT. */
export function parseCheckpoint(text: string): ParsedCheckpoint {
  if (text.length > MAX_NOTE_CHARS) malformed(`the note is longer than ${MAX_NOTE_CHARS} characters`);
  if (CONTROL_RE.test(text)) malformed('the note contains a carriage return or another control character');
  if (!text.endsWith('\n')) malformed('the note must end with a newline');
  const split = text.lastIndexOf('\n\n');
  if (split < 0) malformed('the note has no blank line between body and signatures');
  const body = text.slice(0, split + 1);
  const sigLines = text.slice(split + 2, -1);
  if (sigLines.length === 0) malformed('the note has no signature lines');
  const lines = sigLines.split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) malformed(`the note has more than ${MAX_NOTE_SIGNATURES} signatures`);
  return { ...parseBody(body), body, signatures: lines.map(parseSignatureLine), text };
}

function activeFor(key: TrustedKey, size: number): boolean {
  if (key.revoked === true) return false;
  if (key.validFromSize !== undefined && size < key.validFromSize) return false;
  return key.validUntilSize === undefined || key.validUntilSize === null || size <= key.validUntilSize;
}

/**
 * Parses and verifies a note against the pinned origin and trust store. Throws MALFORMED_CHECKPOINT, ORIGIN_MISMATCH,
 * BAD_SIGNATURE (a known key's signature fails) or NO_TRUSTED_SIGNATURE (no active trusted key signed it).
 */
export function verifyCheckpoint(
  sha: Sha256,
  verify: Ed25519Verify,
  text: string,
  policy: CheckpointPolicy,
): ParsedCheckpoint {
  const note = parseCheckpoint(text);
  if (note.origin !== policy.origin) {
    throw new LedgerError(
      'ORIGIN_MISMATCH',
      `the checkpoint is for "${note.origin}", not the pinned "${policy.origin}"`,
    );
  }
  const msg = utf8Encode(note.body);
  let trustedSignatures = 0;
  for (const sig of note.signatures) {
    const known = policy.trusted.filter((k) => k.name === sig.name && k.keyId === sig.keyId);
    for (const key of known) {
      const ok =
        sig.signature.length === ED25519_SIG_BYTES &&
        key.publicKey.length === 32 &&
        verify(key.publicKey, msg, sig.signature);
      if (!ok)
        throw new LedgerError('BAD_SIGNATURE', `the signature by known key ${sig.name}+${sig.keyId} does not verify`);
      if (activeFor(key, note.size)) trustedSignatures++;
    }
  }
  if (trustedSignatures === 0) {
    throw new LedgerError('NO_TRUSTED_SIGNATURE', `no trusted key valid at size ${note.size} signed this checkpoint`);
  }
  return note;
}

/** True when two checkpoints commit to the same size and root. */
export function sameCommitment(a: CheckpointBody, b: CheckpointBody): boolean {
  return a.size === b.size && bytesEqual(a.root, b.root);
}
