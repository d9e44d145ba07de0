import { describe, expect, it } from 'vitest';
import { hash } from 'node:crypto';
import type { LedgerLeaf } from './leaf.ts';
import { buildLeafText, parseLeafBytes } from './leaf.ts';
import { acceptLeafFast, encodeLogForScan } from './leaf-fast.ts';
import { toHex, utf8Encode } from './encoding.ts';

const LOG = 'example.com/flags-ledger';
const logJson = encodeLogForScan(LOG);
const prevHash = new Uint8Array(hash('sha256', 'previous', 'buffer'));

function leaf(over: Partial<LedgerLeaf> = {}): LedgerLeaf {
  return {
    v: 1,
    log: LOG,
    idx: 7,
    ts: '2028-02-29T23:59:59.999Z',
    actor: { type: 'service', id: 'deployer' },
    action: 'change_request.created',
    flag: 'payments.checkout.new-flow',
    env: null,
    before: null,
    after: {
      enabled: true,
      rollout_pct: 25,
      rules: [{ attribute: 'country', op: 'in', values: ['DE', 'FR'], variation: 'on' }],
      nested: [[], {}, [null, true, false, -12]],
    },
    reason: 'ünïcödé ✓ 🚀 "quoted" \\ back\nline\u0001\u007f',
    refs: { change_request: 'cr-1', payload_hash: 'abc' },
    prev: toHex(prevHash),
    ...over,
  };
}

function reference(bytes: Uint8Array, idx: number, prev: string): boolean {
  try {
    parseLeafBytes(bytes, { log: LOG, idx, prev });
    return true;
  } catch {
    return false;
  }
}

/** Deterministic PRNG so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('acceptLeafFast', () => {
  it('accepts typical canonical leaves the reference accepts', () => {
    const cases = [
      leaf(),
      leaf({ idx: 0, prev: '' }),
      leaf({ env: 'prod', before: { a: 1 }, refs: {} }),
      leaf({ actor: { type: 'user', id: 'a' } }),
    ];
    for (const l of cases) {
      const bytes = utf8Encode(buildLeafText(l));
      expect(
        acceptLeafFast(bytes, 0, bytes.length, { logJson, idx: l.idx, prevHash: l.idx === 0 ? null : prevHash }),
      ).toBe(true);
    }
  });

  it.each([
    ['another log', (t: string) => t.replace(LOG, 'example.com/other')],
    ['another idx', (t: string) => t.replace('"idx":7', '"idx":8')],
    ['another prev', (t: string) => t.replace(/"prev":"[0-9a-f]{2}/, '"prev":"zz')],
    ['whitespace', (t: string) => t.replace('"v":1', '"v": 1')],
    ['decimal (left to the reference)', (t: string) => t.replace('"rollout_pct":25', '"rollout_pct":2.5')],
    ['escaped slash', (t: string) => t.replace('cr-1', 'cr\\/1')],
    ['escaped non-ASCII', (t: string) => t.replace('✓', '\\u2713')],
    ['uppercase escape', (t: string) => t.replace('\\u0001', '\\u0001'.toUpperCase())],
    ['escaped tab', (t: string) => t.replace('back', '\\u0009back')],
    [
      'key order',
      (t: string) =>
        t.replace('"change_request":"cr-1","payload_hash":"abc"', '"payload_hash":"abc","change_request":"cr-1"'),
    ],
    [
      'duplicate key',
      (t: string) => t.replace('"change_request":"cr-1"', '"change_request":"cr-1","change_request":"cr-1"'),
    ],
    ['-0', (t: string) => t.replace('-12', '-0')],
    ['leading zero', (t: string) => t.replace('-12', '012')],
    ['Feb 29 of a non-leap year', (t: string) => t.replace('2028-02-29', '2027-02-29')],
    ['hour 24', (t: string) => t.replace('T23:', 'T24:')],
    ['numeric ref', (t: string) => t.replace('"abc"', '12')],
    ['action shape', (t: string) => t.replace('change_request.created', 'change_request.')],
    ['empty flag', (t: string) => t.replace('"payments.checkout.new-flow"', '""')],
    ['actor extra key', (t: string) => t.replace('"type":"service"', '"type":"service","z":1')],
    ['v 2', (t: string) => t.replace('"v":1', '"v":2')],
  ])('rejects (or leaves to the reference) %s', (_name, edit) => {
    const text = edit(buildLeafText(leaf()));
    const bytes = utf8Encode(text);
    expect(acceptLeafFast(bytes, 0, bytes.length, { logJson, idx: 7, prevHash })).toBe(false);
  });

  it('is sound: random byte edits never make it accept what the reference rejects (2,000 mutants)', () => {
    const next = rng(42);
    const base = utf8Encode(buildLeafText(leaf()));
    const prev = toHex(prevHash);
    let accepted = 0;
    let agreedRejects = 0;
    for (let n = 0; n < 2000; n++) {
      const bytes = base.slice();
      const edits = 1 + Math.floor(next() * 3);
      let mutated: Uint8Array = bytes;
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * mutated.length);
        const kind = next();
        const byte =
          next() < 0.5 ? Math.floor(next() * 256) : '{}[]",:\\0123456789aeflnrstu'.charCodeAt(Math.floor(next() * 27));
        if (kind < 0.5) mutated[at] = byte;
        else if (kind < 0.75) mutated = new Uint8Array([...mutated.subarray(0, at), byte, ...mutated.subarray(at)]);
        else mutated = new Uint8Array([...mutated.subarray(0, at), ...mutated.subarray(at + 1)]);
      }
      const fast = acceptLeafFast(mutated, 0, mutated.length, { logJson, idx: 7, prevHash });
      const ref = reference(mutated, 7, prev);
      if (fast) expect(ref).toBe(true);
      if (fast) accepted++;
      if (!fast && !ref) agreedRejects++;
    }
    expect(agreedRejects).toBeGreaterThan(1500);
    expect(accepted).toBeGreaterThan(0);
  });

  it('works on a sub-range of a larger buffer (how bulk verification reads chunks)', () => {
    const one = utf8Encode(buildLeafText(leaf()));
    const buf = new Uint8Array(one.length + 10);
    buf.set(one, 5);
    expect(acceptLeafFast(buf, 5, 5 + one.length, { logJson, idx: 7, prevHash })).toBe(true);
    expect(acceptLeafFast(buf, 4, 5 + one.length, { logJson, idx: 7, prevHash })).toBe(false);
  });

  it('is sound on other shapes: idx 0, null names, every actor type, several refs, a Buffer view (3,000 mutants)', () => {
    const next = rng(7);
    const bases = [
      leaf({ idx: 0, prev: '', flag: null, env: null, before: null, after: null, refs: {} }),
      leaf({ actor: { type: 'user', id: 'u1' }, env: 'prod', refs: { a: '1', b: '2', c: 'x' } }),
      leaf({ actor: { type: 'system', id: 's' }, before: [1, 'two', { three: 3 }], after: 'x', reason: '' }),
    ];
    let accepted = 0;
    for (let n = 0; n < 3000; n++) {
      const base = bases[n % bases.length] as LedgerLeaf;
      const text = buildLeafText(base);
      let mutated = utf8Encode(text);
      for (let e = 0; e < 1 + Math.floor(next() * 2); e++) {
        const at = Math.floor(next() * mutated.length);
        const byte = '{}[]",:\\0123456789aeflnrstu\n\u0000'.charCodeAt(Math.floor(next() * 29));
        const kind = next();
        if (kind < 0.5) mutated[at] = byte;
        else if (kind < 0.75) mutated = new Uint8Array([...mutated.subarray(0, at), byte, ...mutated.subarray(at)]);
        else mutated = new Uint8Array([...mutated.subarray(0, at), ...mutated.subarray(at + 1)]);
      }
      // Inside a larger Buffer, as the bulk path reads leaves (newline-joined).
      const block = Buffer.concat([Buffer.from('x\n'), mutated, Buffer.from('\n{')]);
      const expectation = { logJson, idx: base.idx, prevHash: base.idx === 0 ? null : prevHash };
      const fast = acceptLeafFast(block, 2, 2 + mutated.length, expectation);
      if (fast) {
        accepted++;
        expect(reference(mutated, base.idx, base.prev)).toBe(true);
      }
    }
    expect(accepted).toBeGreaterThan(0);
  });

  it('rejects refs out of order or with a duplicate key, and a leading zero in idx', () => {
    const base = buildLeafText(leaf({ refs: { a: '1', b: '2' } }));
    for (const text of [
      base.replace('"a":"1","b":"2"', '"b":"2","a":"1"'),
      base.replace('"a":"1","b":"2"', '"a":"1","a":"2"'),
      base.replace('"idx":7', '"idx":07'),
    ]) {
      const bytes = utf8Encode(text);
      expect(acceptLeafFast(bytes, 0, bytes.length, { logJson, idx: 7, prevHash })).toBe(false);
      expect(reference(bytes, 7, toHex(prevHash))).toBe(false);
    }
  });

  it('never matches a pinned log whose JSON form is not canonical', () => {
    const lone = 'example.com/\ud800';
    const bytes = utf8Encode(buildLeafText(leaf()).replace(JSON.stringify(LOG), JSON.stringify(lone)));
    const expectation = { logJson: encodeLogForScan(lone), idx: 7, prevHash };
    expect(acceptLeafFast(bytes, 0, bytes.length, expectation)).toBe(false);
  });
});
