/**
 * The fault matrix of issue 6: every fault is injected by the loopback proxy between the engine and the real control
 * plane while live changes stream through. After each, the replica either converges to the server's root or holds
 * precise evidence and stops advancing.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SyncState } from '../../shared/ipc/contract.ts';
import { startSync, type SyncHandle } from './engine.ts';
import { startFaultProxy, type BodyRewriter, type FaultProxy, type FrameMapper } from './test-support/fault-proxy.ts';
import {
  changeFlag,
  createFlag,
  dropTemplates,
  pinnedProfile,
  recorder,
  replicaAt,
  serve,
  serverHead,
  tempDir,
  until,
  type Recorder,
  type Served,
} from './test-support/fixture.ts';
import { checkpointFrame, checkpointSize, entryIdx, forgeCheckpoint } from './test-support/forge.ts';

const SEEDED = 100;
const CHANGES = 10;

interface Run {
  s: Served;
  proxy: FaultProxy;
  h: SyncHandle;
  rec: Recorder;
}

const send = (...chunks: string[]): ReturnType<FrameMapper> => ({ kind: 'send', chunks });
const codes = (rec: Recorder): string[] => [...new Set(rec.logs.map((l) => l.code))].sort();

describe('fault matrix through the loopback proxy (real control plane)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(() => dropTemplates());

  async function run(
    stream: (s: Served, proxy: FaultProxy) => (connection: number) => FrameMapper | null,
    body: BodyRewriter | null = null,
  ): Promise<Run> {
    const s = await serve(SEEDED);
    cleanups.push(
      () => s.cp.kill(),
      () => rmSync(join(s.dataDir, '..'), { recursive: true, force: true }),
    );
    const proxy = await startFaultProxy(s.cp.url);
    cleanups.push(() => proxy.close());
    const dir = tempDir('replica');
    const rec = recorder();
    const h = startSync({
      profile: pinnedProfile(proxy.url, s.token, s.cp),
      replica: replicaAt(join(dir, 'r.sqlite')),
      log: rec.log,
      heartbeatMs: 300,
      backoff: { baseMs: 20, capMs: 100, maxServerRetryMs: 1000 },
    });
    rec.attach(h);
    cleanups.push(
      () => h.stop(),
      () => rmSync(dir, { recursive: true, force: true }),
    );
    await until(() => h.state().kind === 'live' && h.replica()?.status().verifiedSize === SEEDED, 'caught up');
    proxy.streamFaults = stream(s, proxy);
    proxy.bodyFaults = body;
    proxy.cutAll(); // the faults apply from the next stream connection on
    await until(() => proxy.streamConnections >= 2 && h.state().kind === 'live', 'faulty stream connected');
    rec.logs.length = 0; // the cut above is not part of the fault
    await createFlag(s.cp.url, s.token);
    for (let i = 0; i < CHANGES; i++) await changeFlag(s.cp.url, s.token, i);
    return { s, proxy, h, rec };
  }

  async function converged(r: Run): Promise<void> {
    const head = await serverHead(r.s.cp.url, r.s.token);
    expect(head.size).toBe(SEEDED + 1 + CHANGES);
    await until(
      () => r.h.replica()?.status().verifiedSize === head.size && r.h.state().kind === 'live',
      `verified to ${head.size}`,
    );
    expect(r.h.replica()?.status()).toMatchObject({
      root: head.rootHex,
      receivedSize: head.size,
      halted: null,
      evidence: [],
    });
  }

  async function halted(r: Run, code: string): Promise<void> {
    await until(() => r.h.state().kind === 'halted', 'halted');
    expect(r.h.state()).toMatchObject({ kind: 'halted', code });
    const status = r.h.replica()?.status();
    expect(status?.halted).toBe(code);
    expect(status?.evidence.map((e) => e.kind)).toEqual([code]);
    expect(r.rec.events['ledger:alerted']).toMatchObject([{ kind: code, code }]);
    const frozen = status?.verifiedSize;
    await changeFlag(r.s.cp.url, r.s.token, 99);
    await new Promise((res) => setTimeout(res, 300));
    expect(r.h.replica()?.status().verifiedSize).toBe(frozen);
  }

  it('drop mid-frame: reconnects and resumes from the received size', async () => {
    const r = await run(
      () => (c) =>
        c === 1 ? (f, n) => (n === 6 ? { kind: 'cut', prefix: f.slice(0, Math.floor(f.length / 2)) } : send(f)) : null,
    );
    await converged(r);
    expect(codes(r.rec)).toContain('E_STREAM_CLOSED');
  });

  it('stall: the heartbeat watchdog ends the silent stream', async () => {
    const r = await run(() => (c) => (c === 1 ? (f, n) => (n === 4 ? { kind: 'stall' } : send(f)) : null));
    await converged(r);
    expect(codes(r.rec)).toContain('E_HEARTBEAT_TIMEOUT');
  });

  it("honours the server's retry: as the minimum reconnect delay", async () => {
    const r = await run(
      () => (c) =>
        c === 1
          ? (f, n) => (n === 0 ? send('retry: 900\n\n', f) : n === 3 ? { kind: 'cut', prefix: '' } : send(f))
          : null,
    );
    await converged(r);
    const states = r.rec.events['sync:changed'];
    const i = states.findLastIndex((st) => st.kind === 'reconnecting');
    const st: SyncState | undefined = states[i];
    expect(st?.kind).toBe('reconnecting');
    if (st?.kind === 'reconnecting')
      expect(Date.parse(st.nextRetryAt) - (r.rec.stateAt[i] ?? 0)).toBeGreaterThanOrEqual(880);
  });

  it('a backfill hanging when the stream drops is aborted, and the engine reconnects', async () => {
    const r = await run(
      (_s, proxy) => (c) =>
        c === 1
          ? (f, n) => {
              if (n !== 2) return send(f);
              proxy.hold = (path) => path.startsWith('/api/v1/ledger/entries');
              return send(f, 'event: heartbeat\ndata: {"size":100000}\n\n');
            }
          : null,
    );
    await until(() => r.proxy.held > 0, 'a held backfill request');
    r.proxy.hold = null;
    r.proxy.cutStreams(); // the held request stays open: only the session's abort can end it
    await converged(r);
  });

  it('duplicate frames are benign replays', async () => {
    const r = await run(() => () => (f) => send(f, f));
    await converged(r);
    expect(r.rec.logs.filter((l) => l.level !== 'info')).toEqual([]);
  });

  it('reordered frames: gaps are backfilled, late copies are replays', async () => {
    const r = await run(() => () => {
      let held: string | null = null;
      return (f) => {
        if (held === null && entryIdx(f) !== null) {
          held = f;
          return send();
        }
        const out = held === null ? send(f) : send(f, held);
        held = null;
        return out;
      };
    });
    await converged(r);
  });

  it('truncated frames are rejected with a code and refetched', async () => {
    const r = await run(() => () => {
      let entries = 0;
      return (f) => (entryIdx(f) !== null && entries++ % 3 === 1 ? send(`${f.slice(0, f.length - 40)}\n\n`) : send(f));
    });
    await converged(r);
    expect(r.rec.logs.filter((l) => l.level === 'warn').length).toBeGreaterThan(0);
    expect(codes(r.rec).some((c) => ['NOT_CANONICAL', 'MALFORMED_LEAF', 'E_FRAME_ID_MISMATCH'].includes(c))).toBe(true);
  });

  it('garbage lines and frames are ignored or rejected with codes, never stalling the stream', async () => {
    const garbage =
      'garbage line\n: a comment\nretry: abc\ndata: junk\n\nevent: entry\ndata: {"broken"\n\nid: x\nevent: entry\ndata: {}\n\n';
    const r = await run(() => () => (f) => send(garbage, f));
    await converged(r);
    expect(codes(r.rec)).toEqual(
      expect.arrayContaining(['E_FRAME_UNKNOWN_EVENT', 'E_FRAME_ID_MISMATCH', 'E_FRAME_BAD_ID']),
    );
  });

  it('an oversize entry (> 64 KiB) is rejected with OVERSIZE_ENTRY and the stream goes on', async () => {
    const r = await run(() => () => (f) => {
      const idx = entryIdx(f);
      if (idx !== 105) return send(f);
      const huge = f.replace(/"reason":"[^"]*"/, `"reason":"${'x'.repeat(70_000)}"`);
      return send(huge);
    });
    await converged(r);
    expect(r.rec.logs).toContainEqual(expect.objectContaining({ code: 'OVERSIZE_ENTRY', idx: 105 }));
  });

  it('an equivocating checkpoint (same size, other root, valid signature) halts with evidence', async () => {
    const r = await run((s) => () => (f) => {
      const size = checkpointSize(f);
      if (size !== 104) return send(f);
      return send(
        f,
        checkpointFrame(forgeCheckpoint(s.dataDir, 'tombstone.local/ledger', size, new Uint8Array(32).fill(7))),
      );
    });
    await halted(r, 'EQUIVOCATION');
  });

  it('a forked checkpoint (contradicting verified history) halts with FORK evidence', async () => {
    const r = await run((s) => () => (f) => {
      const size = checkpointSize(f);
      return size === 106
        ? send(f, checkpointFrame(forgeCheckpoint(s.dataDir, 'tombstone.local/ledger', 50, new Uint8Array(32).fill(3))))
        : send(f);
    });
    await halted(r, 'FORK');
  });

  // Entry 106 (change 5) altered in a canonical way: it passes every leaf check, only the signed root exposes it.
  const alterOne = (): (() => FrameMapper) => () => (f) =>
    entryIdx(f) === 106 ? send(f.replace('"reason":"sync test change 5"', '"reason":"sync test change X"')) : send(f);

  it('an entry altered in transit is told apart by an honest consistency proof, dropped and refetched', async () => {
    const r = await run(alterOne);
    await converged(r);
    expect(codes(r.rec)).toContain('E_REFETCH');
  });

  it('an entry that does not chain, served alike by the stream and /entries of a consistent log: PREV_MISMATCH halt, no evidence', async () => {
    // Entry 106 with another `prev` (still canonical): the log's tree is consistent with ours, the entry is not.
    const unchained = (text: string): string =>
      text.replace(/"prev":"(.)/, (_m, c: string) => `"prev":"${c === '0' ? '1' : '0'}`);
    const body: BodyRewriter = (path, text) =>
      path.startsWith('/api/v1/ledger/entries')
        ? text
            .split('\n')
            .map((line) => (line.includes('"idx":106,') ? unchained(line) : line))
            .join('\n')
        : null;
    const r = await run(() => () => (f) => (entryIdx(f) === 106 ? send(unchained(f)) : send(f)), body);
    await until(() => r.h.state().kind === 'halted', 'halted');
    expect(r.h.state()).toMatchObject({ kind: 'halted', code: 'PREV_MISMATCH' });
    expect(r.h.replica()?.status()).toMatchObject({ halted: null, evidence: [], receivedSize: 106 });
    expect(r.rec.events['ledger:alerted']).toEqual([]);
  });

  it('a lying consistency proof turns the mismatch into FORK evidence and a halt', async () => {
    const lie: BodyRewriter = (path, body) => {
      if (!path.startsWith('/api/v1/ledger/proof/consistency')) return null;
      const parsed = JSON.parse(body) as { proof: string[] };
      return JSON.stringify({ ...parsed, proof: parsed.proof.map(() => Buffer.alloc(32, 1).toString('base64')) });
    };
    const r = await run(alterOne, lie);
    await halted(r, 'FORK');
  });
});
