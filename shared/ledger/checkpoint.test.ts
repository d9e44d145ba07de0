import { describe, expect, it } from 'vitest';
import { createPrivateKey, createPublicKey, hash, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Ed25519Verify, NoteSigner, TrustedKey } from './checkpoint.ts';
import {
  formatVerifierKey,
  keyId,
  parseCheckpoint,
  parseVerifierKey,
  sameCommitment,
  signCheckpoint,
  verifyCheckpoint,
} from './checkpoint.ts';
import { emptyRoot, leafHash, rootOf } from './merkle.ts';
import { verifyConsistency } from './proof.ts';
import { fromHex, toBase64, toHex } from './encoding.ts';

const sha = (d: Uint8Array): Uint8Array => hash('sha256', d, 'buffer');
const read = (name: string): unknown =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`./testdata/${name}`, import.meta.url)), 'utf8'));
const cp = read('checkpoints.json') as Record<string, string>;
const merkle = read('merkle-rfc6962.json') as {
  leaf_inputs_hex: string[];
  roots_by_size_hex: string[];
  consistency_proofs: { size1: number; size2: number; proof: string[] }[];
};
const origin = cp['origin']!;
const ed25519Verify: Ed25519Verify = (pub, msg, sig) =>
  verify(
    null,
    msg,
    createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]),
      format: 'der',
      type: 'spki',
    }),
    sig,
  );

function signer(name: string, seedHex: string): NoteSigner {
  const key = createPrivateKey({
    key: Buffer.from('302e020100300506032b657004220420' + seedHex, 'hex'),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return { name, publicKey: new Uint8Array(spki.subarray(12)), sign: (m) => new Uint8Array(sign(null, m, key)) };
}
const fixtureSigner = signer(origin, cp['ed25519_secret_seed_hex_TEST_ONLY']!);
const trusted: TrustedKey[] = [parseVerifierKey(sha, cp['vkey']!)];
const policy = { origin, trusted };

function code(fn: () => unknown): string {
  try {
    fn();
    return 'verified';
  } catch (err) {
    return (err as { code?: string }).code ?? 'thrown';
  }
}
const check = (text: string, keys: readonly TrustedKey[] = trusted, o = origin): string =>
  code(() => verifyCheckpoint(sha, ed25519Verify, text, { origin: o, trusted: keys }));
const trust = (s: NoteSigner, extra: Partial<TrustedKey> = {}): TrustedKey => ({
  name: s.name,
  keyId: keyId(sha, s.name, s.publicKey),
  publicKey: s.publicKey,
  ...extra,
});

describe('checkpoint fixtures', () => {
  it('derives the published key id and verifier key', () => {
    expect(toHex(fixtureSigner.publicKey)).toBe(cp['ed25519_public_key_hex']);
    expect(keyId(sha, origin, fixtureSigner.publicKey)).toBe(cp['key_id_hex']);
    expect(formatVerifierKey(sha, origin, fixtureSigner.publicKey)).toBe(cp['vkey']);
  });

  it('verifies sizes 6 and 8 and their roots are the published tree roots', () => {
    for (const [name, size] of [
      ['checkpoint_size_6', 6],
      ['checkpoint_size_8', 8],
    ] as const) {
      const note = verifyCheckpoint(sha, ed25519Verify, cp[name]!, policy);
      expect([note.origin, note.size, toHex(note.root)]).toEqual([origin, size, merkle.roots_by_size_hex[size]]);
    }
  });

  it('signs byte-identical notes (Ed25519 is deterministic)', () => {
    const note = parseCheckpoint(cp['checkpoint_size_8']!);
    expect(signCheckpoint(sha, { origin, size: 8, root: note.root }, [fixtureSigner])).toBe(cp['checkpoint_size_8']);
  });

  it('6 -> 8 is consistent with the published proof', () => {
    const [a, b] = [parseCheckpoint(cp['checkpoint_size_6']!), parseCheckpoint(cp['checkpoint_size_8']!)];
    const proof = merkle.consistency_proofs.find((p) => p.size1 === 6 && p.size2 === 8)!.proof.map(fromHex);
    expect(code(() => verifyConsistency(sha, 6, 8, proof, a.root, b.root))).toBe('verified');
  });

  it('the forked size-8 note is validly signed with a different root over leaf 3 = 0x2022 (an equivocation)', () => {
    const fork = verifyCheckpoint(sha, ed25519Verify, cp['forked_checkpoint_size_8']!, policy);
    const inputs = merkle.leaf_inputs_hex.map(fromHex);
    inputs[3] = fromHex(cp['forked_leaf_3_input_hex']!);
    expect(toHex(fork.root)).toBe(
      toHex(
        rootOf(
          sha,
          inputs.map((l) => leafHash(sha, l)),
        ),
      ),
    );
    expect(sameCommitment(fork, parseCheckpoint(cp['checkpoint_size_8']!))).toBe(false);
  });

  it('changing the size line to 9 under the original signature fails (BAD_SIGNATURE)', () => {
    expect(check(cp['checkpoint_size_8']!.replace('\n8\n', '\n9\n'))).toBe('BAD_SIGNATURE');
  });
});

describe('signature policy', () => {
  const note8 = cp['checkpoint_size_8']!;
  const body8 = note8.slice(0, note8.lastIndexOf('\n\n') + 2);
  const sigLine = note8.slice(body8.length);
  const other = signer('witness.example', '11'.repeat(32));
  const otherLine = signCheckpoint(sha, parseCheckpoint(note8), [other]).slice(body8.length);

  it('rejects a wrong signature by the known key', () => {
    const bad = sigLine.replace(
      / (\S+)\n$/,
      (_m, b64: string) =>
        ` ${toBase64(new Uint8Array(Buffer.from(b64, 'base64').map((x, i) => (i === 10 ? x ^ 1 : x))))}\n`,
    );
    expect(check(body8 + bad)).toBe('BAD_SIGNATURE');
  });

  it('rejects a body edited under a valid signature', () => {
    const root = toBase64(fromHex(merkle.roots_by_size_hex[7]!));
    expect(check(note8.replace(/\n[^\n]+=\n\n/, `\n${root}\n\n`))).toBe('BAD_SIGNATURE');
  });

  it('ignores unknown keys: unknown only is NO_TRUSTED_SIGNATURE, unknown plus good verifies', () => {
    expect(check(body8 + otherLine)).toBe('NO_TRUSTED_SIGNATURE');
    expect(check(body8 + otherLine + sigLine)).toBe('verified');
  });

  it('a known key with a bad signature rejects the note even next to a good one', () => {
    const forged = signCheckpoint(sha, { origin, size: 7, root: fromHex(merkle.roots_by_size_hex[7]!) }, [other]);
    const wrongSig = forged.slice(forged.lastIndexOf('\n\n') + 2);
    expect(check(body8 + sigLine + wrongSig, [...trusted, trust(other)])).toBe('BAD_SIGNATURE');
  });

  it('rejects a wrong origin', () => {
    expect(check(note8, trusted, 'example.com/other-log')).toBe('ORIGIN_MISMATCH');
  });

  it('key rotation: overlap, new key only, expired old key, revoked key', () => {
    const a = signer('log.example', '22'.repeat(32));
    const b = signer('log.example', '33'.repeat(32));
    const keys = [trust(a, { validUntilSize: 10 }), trust(b, { validFromSize: 5 })];
    const note = (size: number, signers: NoteSigner[]): string =>
      signCheckpoint(sha, { origin, size, root: emptyRoot(sha) }, signers);
    expect(check(note(8, [a, b]), keys)).toBe('verified');
    expect(check(note(8, [b]), keys)).toBe('verified');
    expect(check(note(12, [a]), keys)).toBe('NO_TRUSTED_SIGNATURE');
    expect(check(note(4, [b]), keys)).toBe('NO_TRUSTED_SIGNATURE');
    expect(check(note(12, [a, b]), keys)).toBe('verified');
    expect(check(note(8, [a]), [trust(a, { revoked: true })])).toBe('NO_TRUSTED_SIGNATURE');
    expect(check(note(8, [a, b]), [trust(a, { revoked: true }), trust(b)])).toBe('verified');
  });

  it('signs and verifies the empty tree', () => {
    const text = signCheckpoint(sha, { origin, size: 0, root: emptyRoot(sha) }, [fixtureSigner]);
    expect(text.split('\n').slice(0, 3)).toEqual([origin, '0', '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=']);
    expect(check(text)).toBe('verified');
  });
});

describe('strict parsing (MALFORMED_CHECKPOINT)', () => {
  const note = cp['checkpoint_size_6']!;
  const root6 = 'duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=';
  const sigLine = note.slice(note.lastIndexOf('\n\n') + 2);
  it.each([
    ['no blank line', note.replace('\n\n', '\n')],
    ['CRLF line endings', note.replace(/\n/g, '\r\n')],
    ['a CR alone', note.replace(`${origin}\n`, `${origin}\r\n`)],
    ['-- instead of the em dash', note.replace('\u2014 ', '-- ')],
    ['leading zero in size', note.replace('\n6\n', '\n06\n')],
    ['size with a plus sign', note.replace('\n6\n', '\n+6\n')],
    ['size beyond 2^53', note.replace('\n6\n', '\n9007199254740993\n')],
    ['lenient base64 (no padding)', note.replace(root6, root6.slice(0, -1))],
    ['lenient base64 (non-zero unused bits)', note.replace(root6, root6.replace('8=', '9='))],
    ['root of 31 bytes', note.replace(root6, toBase64(new Uint8Array(31)))],
    ['too many signatures', note + sigLine.repeat(16)],
    ['missing final newline', note.slice(0, -1)],
    ['extra body line', note.replace('\n\n', '\nextension\n\n')],
    ['empty origin', note.replace(origin, '')],
    ['no signature', note.slice(0, note.lastIndexOf('\n\n') + 2)],
    ['a tab in a signature line', note.replace(`${origin} z8nw`, `${origin}\tz8nw`)],
    ['signature not base64', note.replace(/ z8nw\S+\n$/, ' z8nw!!\n')],
    ['signature too short', note.replace(/ z8nw\S+\n$/, ' AAAA\n')],
    ['a control character', note.replace(origin, `${origin}\u0000`)],
    ['too long', note + 'x'.repeat(9000)],
  ])('%s', (_name, text) => {
    expect(code(() => parseCheckpoint(text))).toBe('MALFORMED_CHECKPOINT');
    expect(check(text)).toBe('MALFORMED_CHECKPOINT');
  });

  it('accepts the fixture and keeps its body and signature fields', () => {
    const parsed = parseCheckpoint(note);
    expect(parsed.body).toBe(`${origin}\n6\n${root6}\n`);
    expect(parsed.signatures.map((s) => [s.name, s.keyId, s.signature.length])).toEqual([[origin, 'cfc9f00b', 64]]);
  });

  it.each([
    ['two parts', 'example.com+cfc9f00b'],
    ['wrong key id', cp['vkey']!.replace('cfc9f00b', 'cfc9f00c')],
    ['uppercase key id', cp['vkey']!.replace('cfc9f00b', 'CFC9F00B')],
    ['wrong algorithm byte', cp['vkey']!.replace('+AddamAG', '+AtdamAG')],
    ['short key', 'a+cfc9f00b+AQ=='],
  ])('parseVerifierKey rejects %s', (_name, vkey) => {
    expect(code(() => parseVerifierKey(sha, vkey))).toBe('MALFORMED_CHECKPOINT');
  });
});
