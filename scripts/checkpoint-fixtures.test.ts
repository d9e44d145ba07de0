import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hash } from 'node:crypto';
import { parseCheckpoint, parseVerifierKey, verifyCheckpoint, sameCommitment } from '../shared/ledger/index.ts';
import { ed25519Verify } from '../main/ledger/node-crypto.ts';
import { CHECKPOINTS_FILE, checkpointFixtureText } from './checkpoint-fixtures.ts';

const sha = (d: Uint8Array): Uint8Array => hash('sha256', d, 'buffer');

describe('shared/ledger/testdata/checkpoints.json', () => {
  const text = checkpointFixtureText();

  it('is exactly what scripts/checkpoint-fixtures.ts generates', () => {
    expect(readFileSync(CHECKPOINTS_FILE, 'utf8')).toBe(text);
  });

  it('holds notes that verify under its own key, and an equivocation', () => {
    const cp = JSON.parse(text) as Record<string, string>;
    const key = parseVerifierKey(sha, cp['vkey']!);
    expect(key.keyId).toBe(cp['key_id_hex']);
    const policy = { origin: cp['origin']!, trusted: [key] };
    const six = verifyCheckpoint(sha, ed25519Verify, cp['checkpoint_size_6']!, policy);
    const eight = verifyCheckpoint(sha, ed25519Verify, cp['checkpoint_size_8']!, policy);
    const forked = verifyCheckpoint(sha, ed25519Verify, cp['forked_checkpoint_size_8']!, policy);
    expect([six.size, eight.size, forked.size]).toEqual([6, 8, 8]);
    expect(sameCommitment(eight, forked)).toBe(false);
    expect(parseCheckpoint(cp['checkpoint_size_8']!).origin).toBe('example.com/flags-ledger');
  });
});
