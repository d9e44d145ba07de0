import { describe, expect, it } from 'vitest';
import type { SyncState } from '../../shared/ipc/contract.ts';
import { ConnectionMachine } from './connection-machine.ts';
import { InstanceRing } from './instance-ring.ts';

const A = 'http://127.0.0.1:4001';
const B = 'http://127.0.0.1:4002';
const C = 'http://127.0.0.1:4003';
const POLICY = { baseMs: 1000, capMs: 8000, maxServerRetryMs: 60_000 };
const T0 = Date.parse('2026-11-25T03:00:00.000Z');

describe('InstanceRing', () => {
  it('moves to the next instance at once when the current one fails, and backs the failed one off', () => {
    const ring = new InstanceRing([A, B, C], POLICY, () => 0.5);
    expect([ring.current, ring.position, ring.count]).toEqual([A, 1, 3]);
    expect(ring.fail('E_STREAM_CLOSED', T0)).toEqual({ url: B, delayMs: 0, allFailed: false });
    expect(ring.position).toBe(2);
    expect(ring.failuresOf(A)).toBe(1);
    expect(ring.fail('ECONNREFUSED', T0)).toEqual({ url: C, delayMs: 0, allFailed: false });
    // Every instance failed: C backs off 500 ms, A may be retried 500 ms after its failure (at T0 + 500).
    expect(ring.fail('ECONNREFUSED', T0 + 100)).toEqual({ url: A, delayMs: 400, allFailed: true });
  });

  it('waits for the instance that may be tried soonest, each on its own bounded backoff', () => {
    const ring = new InstanceRing([A, B], POLICY, () => 0.999);
    let t = T0;
    const delays: number[] = [];
    const urls: string[] = [];
    for (let i = 0; i < 12; i++) {
      const next = ring.fail('ECONNREFUSED', t);
      delays.push(next.delayMs);
      urls.push(next.url);
      t += next.delayMs;
    }
    // Alternates A → B → A …; each instance's own delay doubles per failure (999, 1998, 3996, 7992) and stops at the
    // 8 s cap. While the ring waits for one instance the other's backoff runs out too, so it is tried at once after.
    expect(urls).toEqual([B, A, B, A, B, A, B, A, B, A, B, A]);
    expect(delays).toEqual([0, 999, 0, 1998, 0, 3996, 0, 7992, 0, 7992, 0, 7992]);
    expect(Math.max(...delays)).toBeLessThanOrEqual(POLICY.capMs);
    expect(ring.failuresOf(A)).toBe(6);
    expect(ring.failuresOf(B)).toBe(6);
  });

  it('records a failover only when another instance answers, with the reason the first one was left', () => {
    const ring = new InstanceRing([A, B], POLICY, () => 0);
    ring.contact(T0);
    expect(ring.lastFailover).toBeNull();
    ring.fail('E_STREAM_CLOSED: the ledger stream ended', T0 + 1000);
    expect(ring.lastFailover).toBeNull();
    ring.contact(T0 + 1500);
    expect(ring.lastFailover).toEqual({
      from: A,
      to: B,
      at: '2026-11-25T03:00:01.500Z',
      reason: 'E_STREAM_CLOSED: the ledger stream ended',
    });
    expect(ring.failuresOf(B)).toBe(0);
    // A reconnect to the same instance is not a failover: the record stays the A → B one.
    ring.contact(T0 + 2000);
    expect(ring.lastFailover?.at).toBe('2026-11-25T03:00:01.500Z');
  });

  it("floors the failed instance's own delay with its retry:, not the others'", () => {
    const ring = new InstanceRing([A, B], POLICY, () => 0.5);
    ring.serverRetry(5000); // A asks for 5 s
    expect(ring.fail('closed', T0)).toEqual({ url: B, delayMs: 0, allFailed: false });
    // B's own backoff (500, 1000, 2000 ms) ends before A's 5 s, so B is retried until then.
    expect(ring.fail('refused', T0)).toEqual({ url: B, delayMs: 500, allFailed: true });
    expect(ring.fail('refused', T0 + 500)).toEqual({ url: B, delayMs: 1000, allFailed: true });
    expect(ring.fail('refused', T0 + 1500)).toEqual({ url: B, delayMs: 2000, allFailed: true });
    expect(ring.fail('refused', T0 + 3500)).toEqual({ url: A, delayMs: 1500, allFailed: true });
  });

  it('with one URL behaves as plain backoff on that URL', () => {
    const ring = new InstanceRing([A], POLICY, () => 0.5);
    expect(ring.fail('x', T0)).toEqual({ url: A, delayMs: 500, allFailed: true });
    expect(ring.fail('x', T0)).toEqual({ url: A, delayMs: 1000, allFailed: true });
    ring.contact(T0);
    expect(ring.fail('x', T0)).toEqual({ url: A, delayMs: 500, allFailed: true });
  });

  it('refuses an empty or repeated list', () => {
    expect(() => new InstanceRing([])).toThrow('at least one URL');
    expect(() => new InstanceRing([A, A])).toThrow('distinct');
  });
});

describe('ConnectionMachine over several instances', () => {
  function machine(states: SyncState[]): ConnectionMachine {
    return new ConnectionMachine({
      url: A,
      ring: new InstanceRing([A, B, C], POLICY, () => 0.5),
      offlineAfterAttempts: 1,
      now: () => T0,
      replicaAsOf: () => '2026-11-25T02:59:00.000Z',
      onState: (s) => states.push(s),
    });
  }

  it('names the instance in use, reconnects to the next one at once and reports the failover once it is live', () => {
    const states: SyncState[] = [];
    const m = machine(states);
    m.dispatch({ type: 'connect' });
    m.dispatch({ type: 'live', roundTripMs: 2 });
    expect(m.dispatch({ type: 'failed', error: 'E_STREAM_CLOSED: the ledger stream ended' })).toBe(0);
    m.dispatch({ type: 'connect' });
    m.dispatch({ type: 'live', roundTripMs: 3 });
    expect(states).toEqual([
      { kind: 'connecting', url: A, instance: { position: 1, count: 3 } },
      { kind: 'live', url: A, roundTripMs: 2, since: '2026-11-25T03:00:00.000Z', instance: { position: 1, count: 3 } },
      {
        kind: 'reconnecting',
        url: B,
        attempt: 1,
        nextRetryAt: '2026-11-25T03:00:00.000Z',
        lastError: 'E_STREAM_CLOSED: the ledger stream ended',
        instance: { position: 2, count: 3 },
      },
      { kind: 'connecting', url: B, instance: { position: 2, count: 3 } },
      {
        kind: 'live',
        url: B,
        roundTripMs: 3,
        since: '2026-11-25T03:00:00.000Z',
        instance: { position: 2, count: 3 },
        failover: {
          from: A,
          to: B,
          at: '2026-11-25T03:00:00.000Z',
          reason: 'E_STREAM_CLOSED: the ledger stream ended',
        },
      },
    ]);
  });

  it('goes offline only when every instance failed', () => {
    const states: SyncState[] = [];
    const m = machine(states);
    m.dispatch({ type: 'connect' });
    m.dispatch({ type: 'failed', error: 'a down' });
    m.dispatch({ type: 'failed', error: 'b down' });
    expect(m.state.kind).toBe('reconnecting'); // 2 attempts > offlineAfterAttempts, but C was not tried yet
    m.dispatch({ type: 'failed', error: 'c down' });
    expect(m.state).toEqual({
      kind: 'offline',
      url: A,
      replicaAsOf: '2026-11-25T02:59:00.000Z',
      reason: 'c down',
      instance: { position: 1, count: 3 },
    });
  });
});
