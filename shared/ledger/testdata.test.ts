/**
 * The test data of the ledger tests, and where it comes from. merkle-rfc6962.json holds the published RFC 6962 Merkle
 * tree vectors (the transparency-dev/merkle and google/certificate-transparency-go test suites); checkpoints.json is
 * generated in this repository by scripts/checkpoint-fixtures.ts, whose test keeps the file equal to its output.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

describe('test vectors', () => {
  it('the RFC 6962 vectors name their public source', () => {
    const merkle = read('merkle-rfc6962.json');
    expect(merkle['source']).toContain('RFC 6962');
    expect(merkle['source']).toContain('transparency-dev/merkle');
    expect((merkle['leaf_inputs_hex'] as string[]).length).toBe(8);
  });

  it('the checkpoint fixtures name their generator and their public test key', () => {
    const cp = read('checkpoints.json');
    expect(cp['source']).toContain('scripts/checkpoint-fixtures.ts');
    expect(cp['source']).toContain('RFC 8032 section 7.1 TEST 1');
  });
});
