/**
 * The published Merkle vectors and the checkpoint fixtures live in the design folder beside the repository
 * (../shared/vectors). The tests read the copies in ./testdata so they also run from a clone elsewhere; this test keeps
 * the copies byte-identical to the originals wherever the design folder is present.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const design = fileURLToPath(new URL('../../../shared/vectors/', import.meta.url));
const present = existsSync(`${design}merkle-rfc6962.json`);

describe('test vectors', () => {
  it.skipIf(!present)('the copies in shared/ledger/testdata equal ../shared/vectors byte for byte', () => {
    for (const name of ['merkle-rfc6962.json', 'checkpoints.json']) {
      const copy = readFileSync(new URL(`./testdata/${name}`, import.meta.url));
      expect(copy.equals(readFileSync(`${design}${name}`)), name).toBe(true);
    }
  });

  it('the copies name their source', () => {
    const merkle = JSON.parse(readFileSync(new URL('./testdata/merkle-rfc6962.json', import.meta.url), 'utf8')) as {
      source: string;
    };
    expect(merkle.source).toContain('transparency-dev/merkle');
  });
});
