import { describe, expect, it } from 'vitest';
import type { SyncState } from '../../shared/ipc/contract.ts';
import { ConnectionMachine } from './connection-machine.ts';

const url = 'http://127.0.0.1:1';
const T0 = Date.parse('2026-11-25T03:00:00.000Z');

function machine(states: SyncState[] = []): ConnectionMachine {
  return new ConnectionMachine({
    url,
    backoff: { baseMs: 1000, capMs: 8000, maxServerRetryMs: 60_000 },
    offlineAfterAttempts: 2,
    now: () => T0,
    random: () => 0.5,
    replicaAsOf: () => '2026-11-25T02:59:00.000Z',
    onState: (s) => states.push(s),
  });
}

describe('ConnectionMachine', () => {
  it('walks connecting → backfilling → live and reports each state', () => {
    const states: SyncState[] = [];
    const m = machine(states);
    m.dispatch({ type: 'connect' });
    m.dispatch({ type: 'backfill', done: 10, total: 100 });
    m.dispatch({ type: 'live', roundTripMs: 3 });
    expect(states).toEqual([
      { kind: 'connecting', url },
      { kind: 'backfilling', url, done: 10, total: 100 },
      { kind: 'live', url, roundTripMs: 3, since: '2026-11-25T03:00:00.000Z' },
    ]);
  });

  it('backs off with jitter while reconnecting, then goes offline with the replica time, and resets on live', () => {
    const m = machine();
    m.dispatch({ type: 'connect' });
    expect(m.dispatch({ type: 'failed', error: 'ECONNREFUSED' })).toBe(500);
    expect(m.state).toEqual({
      kind: 'reconnecting',
      url,
      attempt: 1,
      nextRetryAt: '2026-11-25T03:00:00.500Z',
      lastError: 'ECONNREFUSED',
    });
    expect(m.dispatch({ type: 'failed', error: 'ECONNREFUSED' })).toBe(1000);
    expect(m.state.kind).toBe('reconnecting');
    expect(m.dispatch({ type: 'failed', error: 'timeout' })).toBe(2000);
    expect(m.state).toEqual({ kind: 'offline', url, replicaAsOf: '2026-11-25T02:59:00.000Z', reason: 'timeout' });
    m.dispatch({ type: 'live', roundTripMs: null });
    expect(m.attempt).toBe(0);
    expect(m.dispatch({ type: 'failed', error: 'x' })).toBe(500);
  });

  it("honours the server's retry: as a floor", () => {
    const m = machine();
    m.dispatch({ type: 'connect' });
    m.dispatch({ type: 'server-retry', ms: 7000 });
    expect(m.dispatch({ type: 'failed', error: 'closed' })).toBe(7000);
  });

  it('stays halted until stopped, and ignores failures when idle', () => {
    const m = machine();
    expect(m.dispatch({ type: 'failed', error: 'x' })).toBe(null);
    expect(m.state).toEqual({ kind: 'idle' });
    m.dispatch({ type: 'connect' });
    m.dispatch({ type: 'halt', code: 'EQUIVOCATION', message: 'two views' });
    m.dispatch({ type: 'live', roundTripMs: 1 });
    expect(m.dispatch({ type: 'failed', error: 'x' })).toBe(null);
    expect(m.state).toEqual({ kind: 'halted', url, code: 'EQUIVOCATION', message: 'two views' });
    m.dispatch({ type: 'stop' });
    expect(m.state).toEqual({ kind: 'idle' });
  });

  it('asks for key confirmation', () => {
    const m = machine();
    m.dispatch({ type: 'confirm-key', keyName: 'log/k1', fingerprint: 'SHA256:ab', vkey: 'v' });
    expect(m.state).toEqual({ kind: 'key-confirmation', url, keyName: 'log/k1', fingerprint: 'SHA256:ab', vkey: 'v' });
  });
});
