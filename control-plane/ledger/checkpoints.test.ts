import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrustedKey } from '../../shared/ledger/index.ts';
import {
  fromBase64Strict,
  leafHash,
  toHex,
  parseCheckpoint,
  parseVerifierKey,
  rootOf,
  utf8Encode,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from '../../shared/ledger/index.ts';
import { ed25519Verify, sha256 } from '../crypto/node-crypto.ts';
import type { Harness } from '../test-support/harness.ts';
import { code, makeFlag, obj, startHarness, waitFor } from '../test-support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ origin: 'test.tombstone/log', pageSize: 50 });
  for (let i = 0; i < 8; i++) await makeFlag(h, `payments.proof.flag-${i}`);
});
afterAll(async () => h.close());

async function trusted(): Promise<TrustedKey[]> {
  const keys = obj(await h.req('vera', 'GET', '/api/v1/ledger/keys'))['keys'] as {
    vkey: string;
    valid_from_size: number;
    valid_until_size: number | null;
  }[];
  return keys.map((k) => ({
    ...parseVerifierKey(sha256, k.vkey),
    validFromSize: k.valid_from_size,
    validUntilSize: k.valid_until_size,
  }));
}

async function lines(): Promise<string[]> {
  return (await h.req('vera', 'GET', '/api/v1/ledger/entries?start=0')).text.split('\n').filter((l) => l !== '');
}

async function note(): Promise<string> {
  return String(obj(await h.req('vera', 'GET', '/api/v1/ledger/checkpoint'))['note']);
}

describe('checkpoints', () => {
  it('serves a checkpoint that verifies with the console verifier and matches the served leaves', async () => {
    const text = await note();
    const cp = verifyCheckpoint(sha256, ed25519Verify, text, {
      origin: 'test.tombstone/log',
      trusted: await trusted(),
    });
    const all = await lines();
    expect(cp.size).toBe(all.length);
    expect(toHex(cp.root)).toBe(
      toHex(
        rootOf(
          sha256,
          all.map((l) => leafHash(sha256, utf8Encode(l))),
        ),
      ),
    );
  });

  it('fails verification under another origin or without the key', async () => {
    const text = await note();
    expect(() => verifyCheckpoint(sha256, ed25519Verify, text, { origin: 'other/log', trusted: [] })).toThrow(
      /ORIGIN_MISMATCH/,
    );
    expect(() => verifyCheckpoint(sha256, ed25519Verify, text, { origin: 'test.tombstone/log', trusted: [] })).toThrow(
      /NO_TRUSTED_SIGNATURE/,
    );
  });

  it('signs a new checkpoint shortly after new entries (interval)', async () => {
    await makeFlag(h, 'payments.proof.late-flag');
    const size = h.cp.app.ledger.size;
    await waitFor(() => (h.cp.app.checkpoints.latest?.size ?? -1) === size, 2000);
  });

  it('keeps the signing key in a 0600 file', () => {
    expect(statSync(join(h.dataDir, 'keys', 'k1.seed')).mode % 0o1000).toBe(0o600);
    expect(statSync(join(h.dataDir, 'secret')).mode % 0o1000).toBe(0o600);
  });
});

describe('proofs', () => {
  it('serves inclusion proofs that verify against a signed root', async () => {
    const cp = parseCheckpoint(await note());
    const all = await lines();
    for (const idx of [0, 3, cp.size - 1]) {
      const res = obj(await h.req('vera', 'GET', `/api/v1/ledger/proof/inclusion?idx=${idx}&size=${cp.size}`));
      const proof = (res['proof'] as string[]).map(fromBase64Strict);
      verifyInclusion(sha256, idx, cp.size, leafHash(sha256, utf8Encode(all[idx] ?? '')), proof, cp.root);
      expect(() =>
        verifyInclusion(sha256, idx, cp.size, leafHash(sha256, utf8Encode(`${all[idx] ?? ''} `)), proof, cp.root),
      ).toThrow(/BAD_PROOF/);
    }
  });

  it('serves consistency proofs between two signed checkpoints', async () => {
    const old = parseCheckpoint(await note());
    await makeFlag(h, 'payments.proof.grow-1');
    await makeFlag(h, 'payments.proof.grow-2');
    const next = parseCheckpoint(await note());
    expect(next.size).toBe(old.size + 2);
    const res = obj(await h.req('vera', 'GET', `/api/v1/ledger/proof/consistency?old=${old.size}&new=${next.size}`));
    verifyConsistency(
      sha256,
      old.size,
      next.size,
      (res['proof'] as string[]).map(fromBase64Strict),
      old.root,
      next.root,
    );
  });

  it('rejects impossible proof queries with 400 INVALID_QUERY', async () => {
    const size = h.cp.app.ledger.size;
    for (const q of [
      `inclusion?idx=${size}&size=${size}`,
      `inclusion?idx=0&size=${size + 1}`,
      'consistency?old=5&new=4',
      'consistency?old=a&new=4',
      'inclusion?idx=0',
    ]) {
      const res = await h.req('vera', 'GET', `/api/v1/ledger/proof/${q}`);
      expect([q, res.status, code(res)]).toEqual([q, 400, 'INVALID_QUERY']);
    }
  });
});

describe('entries', () => {
  it('pages NDJSON with X-Next-Start and refuses bad ranges', async () => {
    for (let i = 0; i < 45; i++) await makeFlag(h, `payments.page.flag-${i}`);
    const size = h.cp.app.ledger.size;
    const first = await h.req('vera', 'GET', '/api/v1/ledger/entries?start=0');
    expect(first.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(first.text.split('\n').filter((l) => l !== '').length).toBe(50);
    expect(first.headers.get('x-next-start')).toBe('50');
    expect(first.headers.get('x-ledger-size')).toBe(String(size));
    const tail = await h.req('vera', 'GET', `/api/v1/ledger/entries?start=50&end=${size + 100}`);
    expect(
      tail.text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as { idx: number }).idx)[0],
    ).toBe(50);
    expect(tail.headers.get('x-next-start')).toBe(null);
    const beyond = await h.req('vera', 'GET', `/api/v1/ledger/entries?start=${size + 1}`);
    expect([beyond.status, code(beyond)]).toEqual([416, 'RANGE_NOT_SATISFIABLE']);
    const inverted = await h.req('vera', 'GET', '/api/v1/ledger/entries?start=5&end=2');
    expect([inverted.status, code(inverted)]).toEqual([400, 'INVALID_RANGE']);
    const empty = await h.req('vera', 'GET', `/api/v1/ledger/entries?start=${size}`);
    expect([empty.status, empty.text]).toEqual([200, '']);
  });
});

describe('append-only storage', () => {
  it('refuses to update, delete or skip ledger rows and checkpoints at the database level', () => {
    const raw = h.rawDb();
    expect(() => raw.prepare("UPDATE ledger SET leaf = '{}' WHERE idx = 1").run()).toThrow(/^LEDGER_APPEND_ONLY/);
    expect(() => raw.prepare('DELETE FROM ledger WHERE idx = 0').run()).toThrow(/^LEDGER_APPEND_ONLY/);
    expect(() =>
      raw.prepare("INSERT INTO ledger VALUES (999999, '{}', ?, 'x.y', NULL, NULL, '')").run(Buffer.alloc(32)),
    ).toThrow(/^LEDGER_GAP/);
    expect(() => raw.prepare('DELETE FROM checkpoints').run()).toThrow(/^LEDGER_APPEND_ONLY/);
    expect(() => raw.prepare("INSERT INTO checkpoints VALUES (0, ?, 'n', 0)").run(Buffer.alloc(32))).toThrow(
      /^CHECKPOINT_ORDER/,
    );
  });
});

describe('key rotation', () => {
  it('co-signs with the old key during the overlap, then only with the new key', async () => {
    const size = h.cp.app.ledger.size;
    const res = await h.req('alice', 'POST', '/api/v1/ledger/keys/rotate', { overlap_entries: 2 });
    expect(res.status).toBe(201);
    const keys = await trusted();
    expect(keys.map((k) => [k.validFromSize, k.validUntilSize])).toEqual([
      [0, size + 2],
      [size, null],
    ]);
    const [oldKey, newKey] = keys as [TrustedKey, TrustedKey];
    await makeFlag(h, 'payments.rotate.flag-1');
    const overlap = await note();
    expect(parseCheckpoint(overlap).signatures.length).toBe(2);
    verifyCheckpoint(sha256, ed25519Verify, overlap, { origin: 'test.tombstone/log', trusted: [oldKey] });
    verifyCheckpoint(sha256, ed25519Verify, overlap, { origin: 'test.tombstone/log', trusted: [newKey] });
    for (let i = 2; i < 5; i++) await makeFlag(h, `payments.rotate.flag-${i}`);
    const after = await note();
    expect(parseCheckpoint(after).signatures.map((s) => s.name)).toEqual([newKey.name]);
    expect(() =>
      verifyCheckpoint(sha256, ed25519Verify, after, { origin: 'test.tombstone/log', trusted: [oldKey] }),
    ).toThrow(/NO_TRUSTED_SIGNATURE/);
    verifyCheckpoint(sha256, ed25519Verify, after, { origin: 'test.tombstone/log', trusted: [oldKey, newKey] });
  });
});
