/**
 * Builders for tests, the benchmark and demos: realistic leaves, a signing log, and the RFC 8032 test key the published
 * checkpoint fixtures use. The console itself never signs; only tests and tooling import this module.
 */
import type { LedgerLeaf, NoteSigner, TrustedKey } from '../../shared/ledger/index.ts';
import {
  CompactRange,
  buildLeafText,
  fromHex,
  keyId,
  rootOf,
  signCheckpoint,
  toHex,
} from '../../shared/ledger/index.ts';
import { ed25519Signer, sha256 } from './node-crypto.ts';
import { LeafHasher } from './fast-hash.ts';

/** The origin of shared/ledger/testdata/checkpoints.json (the design's ../shared/vectors/checkpoints.json). */
export const TEST_ORIGIN = 'example.com/flags-ledger';
/** RFC 8032 §7.1 TEST 1 seed (public test key; never for production). */
export const TEST_SEED_HEX = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';

/** A signer with the RFC 8032 test key (or another seed) under `name`. */
export function testSigner(name = TEST_ORIGIN, seedHex = TEST_SEED_HEX): NoteSigner {
  return ed25519Signer(name, fromHex(seedHex));
}

/** The trust-store entry of a signer. */
export function trustedKeyOf(signer: NoteSigner, extra: Partial<TrustedKey> = {}): TrustedKey {
  return {
    name: signer.name,
    keyId: keyId(sha256, signer.name, signer.publicKey),
    publicKey: signer.publicKey,
    ...extra,
  };
}

const ACTIONS = [
  'flag.updated',
  'flag.updated',
  'flag.updated',
  'flag.killed',
  'flag.rolled_back',
  'change_request.applied',
];
const USERS = ['alice', 'bob', 'carol', 'dave'];
const ENVS = ['prod', 'staging'];

/** A realistic ~250-byte flag-change leaf at `idx` after a leaf whose hex hash is `prev`. */
export function realisticLeaf(idx: number, prev: string, origin = TEST_ORIGIN): LedgerLeaf {
  const pct = (idx * 7) % 101;
  return {
    v: 1,
    log: origin,
    idx,
    ts: new Date(Date.UTC(2026, 10, 25) + idx * 1000).toISOString(),
    actor: { type: 'user', id: USERS[idx % USERS.length] ?? 'alice' },
    action: ACTIONS[idx % ACTIONS.length] ?? 'flag.updated',
    flag: `pay.checkout.f${idx % 997}`,
    env: ENVS[idx % ENVS.length] ?? 'prod',
    before: { enabled: true, rollout_pct: Math.max(0, pct - 5) },
    after: { enabled: true, rollout_pct: pct },
    reason: 'ramp',
    refs: {},
    prev,
  };
}

/** An in-memory log that produces leaves and signed checkpoints, like the control plane. */
export class TestLog {
  readonly origin: string;
  readonly signers: NoteSigner[];
  readonly texts: string[] = [];
  readonly hashes: Uint8Array[] = [];
  private readonly range = new CompactRange(sha256);
  private readonly hasher = new LeafHasher();

  constructor(origin = TEST_ORIGIN, signers: NoteSigner[] = [testSigner()]) {
    this.origin = origin;
    this.signers = signers;
  }

  /** Appends one leaf (realistic by default; `edit` may change fields) and returns its text. */
  add(edit: (leaf: LedgerLeaf) => LedgerLeaf = (l) => l): string {
    const idx = this.texts.length;
    const prevHash = this.hashes[idx - 1];
    const text = buildLeafText(edit(realisticLeaf(idx, prevHash === undefined ? '' : toHex(prevHash), this.origin)));
    return this.push(text);
  }

  /** Appends a pre-built leaf text as is (for hostile inputs). */
  push(text: string): string {
    const h = this.hasher.hash(Buffer.from(text, 'utf8'));
    this.texts.push(text);
    this.hashes.push(h);
    this.range.append(h);
    return text;
  }

  /** Appends n realistic leaves. */
  addMany(n: number): void {
    for (let i = 0; i < n; i++) this.add();
  }

  /** The root at `size` (default: current size). */
  root(size = this.texts.length): Uint8Array {
    return size === this.texts.length ? this.range.root() : rootOf(sha256, this.hashes.slice(0, size));
  }

  /** A signed checkpoint note at `size` (default: current size). */
  checkpoint(size = this.texts.length, signers = this.signers): string {
    return signCheckpoint(sha256, { origin: this.origin, size, root: this.root(size) }, signers);
  }

  /** Entries [start, end) as the sync engine would pass them. */
  entries(start = 0, end = this.texts.length): { idx: number; leaf: string }[] {
    return this.texts.slice(start, end).map((leaf, i) => ({ idx: start + i, leaf }));
  }
}
