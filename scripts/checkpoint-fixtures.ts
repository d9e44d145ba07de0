/**
 * Generates shared/ledger/testdata/checkpoints.json: signed-note checkpoints (C2SP tlog-checkpoint, signed-note) over
 * the 8-leaf RFC 6962 tree of shared/ledger/testdata/merkle-rfc6962.json, signed with the RFC 8032 §7.1 TEST 1
 * Ed25519 key (a published test key: main/ledger/test-support/fixtures.ts TEST_SEED_HEX; never use it for anything real).
 * Ed25519 signatures are deterministic, so the output is the same on every run; scripts/checkpoint-fixtures.test.ts
 * checks that the committed file is exactly what this produces.
 *
 *   node --disable-warning=ExperimentalWarning scripts/checkpoint-fixtures.ts          # rewrite the file
 *   node --disable-warning=ExperimentalWarning scripts/checkpoint-fixtures.ts --check  # exit 1 when it differs
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  formatVerifierKey,
  fromHex,
  keyId,
  leafHash,
  rootOf,
  signCheckpoint,
  toHex,
  type NoteSigner,
} from '../shared/ledger/index.ts';
import { TEST_ORIGIN, TEST_SEED_HEX, testSigner } from '../main/ledger/test-support/fixtures.ts';
import { sha256 } from '../main/ledger/node-crypto.ts';

/** The committed fixture file. */
export const CHECKPOINTS_FILE = fileURLToPath(new URL('../shared/ledger/testdata/checkpoints.json', import.meta.url));
const MERKLE_FILE = fileURLToPath(new URL('../shared/ledger/testdata/merkle-rfc6962.json', import.meta.url));

/** The input that replaces leaf 3 in the forked tree (same size, different root). */
const FORKED_LEAF_3_HEX = '2022';

function checkpoint(signer: NoteSigner, leafInputsHex: readonly string[], size: number): string {
  const hashes = leafInputsHex.slice(0, size).map((hex) => leafHash(sha256, fromHex(hex)));
  return signCheckpoint(sha256, { origin: TEST_ORIGIN, size, root: rootOf(sha256, hashes) }, [signer]);
}

/** The text of checkpoints.json, as generated from the RFC 6962 leaves and the test key. */
export function checkpointFixtureText(): string {
  const { leaf_inputs_hex: leaves } = JSON.parse(readFileSync(MERKLE_FILE, 'utf8')) as { leaf_inputs_hex: string[] };
  const signer = testSigner(TEST_ORIGIN, TEST_SEED_HEX);
  const forked = leaves.map((hex, i) => (i === 3 ? FORKED_LEAF_3_HEX : hex));
  const fixture = {
    source:
      'Generated in this repository by scripts/checkpoint-fixtures.ts (checked by scripts/checkpoint-fixtures.test.ts): C2SP signed-note checkpoints over the 8-leaf tree of merkle-rfc6962.json, signed with the RFC 8032 section 7.1 TEST 1 Ed25519 key (a published test key; never use it for anything real). Key ID = first 4 bytes of SHA-256(name || 0x0A || 0x01 || pubkey). Signature lines start with U+2014 EM DASH and a space.',
    origin: TEST_ORIGIN,
    ed25519_public_key_hex: toHex(signer.publicKey),
    ed25519_secret_seed_hex_TEST_ONLY: TEST_SEED_HEX,
    key_id_hex: keyId(sha256, TEST_ORIGIN, signer.publicKey),
    vkey: formatVerifierKey(sha256, TEST_ORIGIN, signer.publicKey),
    checkpoint_size_6: checkpoint(signer, leaves, 6),
    checkpoint_size_8: checkpoint(signer, leaves, 8),
    forked_checkpoint_size_8: checkpoint(signer, forked, 8),
    forked_leaf_3_input_hex: FORKED_LEAF_3_HEX,
    notes:
      'checkpoint_size_6 -> checkpoint_size_8 is consistent (see consistency vector 6->8). checkpoint_size_8 and forked_checkpoint_size_8 are both validly signed with the same size and different roots: an equivocation. Changing the size line to 9 under the original signature must fail signature verification.',
  };
  return `${JSON.stringify(fixture, null, 1)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = checkpointFixtureText();
  if (process.argv.includes('--check')) {
    const same = readFileSync(CHECKPOINTS_FILE, 'utf8') === text;
    process.stdout.write(same ? 'checkpoints.json is up to date\n' : 'checkpoints.json differs from the generator\n');
    process.exitCode = same ? 0 : 1;
  } else {
    writeFileSync(CHECKPOINTS_FILE, text);
    process.stdout.write(`wrote ${CHECKPOINTS_FILE}\n`);
  }
}
