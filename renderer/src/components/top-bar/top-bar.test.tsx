import { afterEach, describe, expect, it } from 'vitest';
import type { Evidence } from '../../../../shared/ipc/contract.ts';
import { liveReplica, status } from '../../test-support/fixtures.ts';
import { byTestId, click, inAct, mountApp, type Mounted } from '../../test-support/render.tsx';
import { describeSync } from './connection-state.tsx';
import { targetOf } from './top-bar.tsx';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

const fork: Evidence = {
  id: 3,
  kind: 'fork',
  code: 'FORK',
  idx: 100,
  detail: 'Two checkpoints of size 100 with different roots.',
  notes: ['— note A', '— note B'],
  at: '2026-11-25T03:15:00.000Z',
};

describe('top bar', () => {
  it('describes reconnecting with the next retry, and backfilling with counts', () => {
    const now = Date.parse('2026-11-25T03:13:05.000Z');
    expect(
      describeSync(
        { kind: 'reconnecting', url: 'u', attempt: 2, nextRetryAt: '2026-11-25T03:13:09.200Z', lastError: 'x' },
        now,
      ),
    ).toEqual({ label: 'Reconnecting · retry in 5 s (attempt 2)', tone: 'warn' });
    expect(describeSync({ kind: 'backfilling', url: 'u', done: 1200, total: 1000000 }, now)?.label).toBe(
      'Syncing 1,200 / 1,000,000',
    );
    expect(describeSync({ kind: 'halted', url: 'u', code: 'ROOT_MISMATCH', message: 'm' }, now)).toEqual({
      label: 'Sync halted · ROOT_MISMATCH',
      tone: 'alert',
    });
    expect(describeSync({ kind: 'idle' }, now)).toBeNull();
  });

  it('shows live state, identity and the verification badge with pending count', async () => {
    m = await mountApp(liveReplica('alice', 'responder'));
    expect(byTestId(m.container, 'connection-state').textContent).toBe('Live · 4 ms'); // the latest probe
    await inAct(() =>
      m!.fake.emit('connection:changed', {
        kind: 'reachable',
        url: 'http://127.0.0.1:4000',
        checkedAt: '2026-11-25T03:21:00.000Z',
        roundTripMs: 31,
        identity: { name: 'alice', role: 'responder' },
      }),
    );
    expect(byTestId(m.container, 'connection-state').textContent).toBe('Live · 31 ms'); // updates with every probe
    expect(byTestId(m.container, 'identity').textContent).toBe('alice · responder');
    const badge = byTestId(m.container, 'verification-badge');
    expect(badge.dataset['state']).toBe('verified');
    expect(badge.textContent).toContain('✓ verified 120');
    expect(byTestId(badge, 'pending-count').textContent).toBe(' · 2 pending');
    expect(byTestId<HTMLSelectElement>(m.container, 'profile-select').value).toBe('p1');
  });

  it('an Unleash mirror’s badge says plainly since when its history is provable', async () => {
    const notice = "sealed locally since 2026-11-25T02:00:00.000Z — Unleash's history before that is not provable";
    const sealed = { ...status, sealedLocally: { since: '2026-11-25T02:00:00.000Z', notice } };
    m = await mountApp({ ...liveReplica(), verifyStatus: async () => ({ ok: true, value: sealed }) });
    const badge = byTestId(m.container, 'verification-badge');
    expect(badge.dataset['state']).toBe('verified');
    expect(byTestId(badge, 'sealed-notice').textContent).toBe(` · ${notice}`);
    expect(badge.title).toContain(notice);
  });

  it('an alert turns the badge red and opens the evidence with both notes of a fork', async () => {
    m = await mountApp({ ...liveReplica(), verifyEvidence: async () => ({ ok: true, value: [fork] }) });
    await inAct(() => m!.fake.emit('ledger:alerted', fork));
    const badge = byTestId(m.container, 'verification-badge');
    expect(badge.dataset['state']).toBe('alert');
    expect(badge.textContent).toBe('ALERT FORK at entry #100');
    await click(badge);
    const ev = byTestId(m.container, 'evidence-3');
    expect(ev.textContent).toContain('FORK');
    expect(ev.textContent).toContain('#100');
    expect([...ev.querySelectorAll('figcaption')].map((f) => f.textContent)).toEqual([
      'Signed note 1 of 2',
      'Signed note 2 of 2',
    ]);
    expect([...ev.querySelectorAll('pre')].map((p) => p.textContent)).toEqual(['— note A', '— note B']);
  });

  it('without a profile shows the honest empty state and no alert', async () => {
    m = await mountApp();
    expect(byTestId(m.container, 'connection-state').textContent).toBe('No control plane configured');
    expect(m.container.querySelector('h1')?.textContent).toBe('No ledger replica yet');
    expect(m.container.querySelectorAll('[role="alert"]').length).toBe(0);
    expect(m.container.querySelector('[data-testid="main-screen"]')).toBeNull();
    expect(m.container.querySelector('[data-testid="verification-badge"]')).toBeNull();
  });

  it('an empty replica is explained with its code, without an alert', async () => {
    m = await mountApp({
      verifyStatus: async () => ({
        ok: false,
        error: { code: 'E_REPLICA_EMPTY', message: 'The ledger replica is still empty.' },
      }),
    });
    expect(byTestId(m.container, 'empty-note').textContent).toBe('E_REPLICA_EMPTY The ledger replica is still empty.');
    expect(m.container.querySelectorAll('[role="alert"]').length).toBe(0);
  });

  it('names the environment first in the profile select, the whole profile in its tooltip', async () => {
    m = await mountApp(liveReplica('alice', 'responder'));
    const select = byTestId<HTMLSelectElement>(m.container, 'profile-select');
    expect([...select.options].map((o) => o.textContent)).toEqual(['production · demo']);
    expect(select.title).toBe('demo · production (http://127.0.0.1:4000)');
    expect(byTestId(m.container, 'target').textContent).toBe('127.0.0.1:4000');
    expect(byTestId(m.container, 'target').title).toBe('Control plane http://127.0.0.1:4000');
    expect(byTestId(m.container, 'identity').title).toBe('alice · responder');
  });

  it('shows the control plane host only when the profile is not named after it', () => {
    const reachable = {
      kind: 'reachable',
      url: 'http://127.0.0.1:43943',
      checkedAt: '2026-11-25T03:13:00.000Z',
      roundTripMs: 4,
      identity: null,
    } as const;
    expect(targetOf(reachable, 'demo')).toBe('127.0.0.1:43943');
    expect(targetOf(reachable, '127.0.0.1:43943')).toBeNull();
    expect(targetOf({ kind: 'unconfigured' }, undefined)).toBeNull();
  });

  it('keeps the full texts in tooltips, since a narrow bar cuts them with an ellipsis', async () => {
    m = await mountApp({
      ...liveReplica(),
      verifyStatus: async () => ({ ok: true, value: { ...status, checkpointAt: null } }),
    });
    const badge = byTestId(m.container, 'verification-badge');
    expect(badge.textContent).toBe('✓ verified 120 · no checkpoint yet · 2 pending');
    expect(badge.title).toBe(`✓ verified 120 · no checkpoint yet · 2 pending\nroot ${'ab'.repeat(32)}`);
    await inAct(() =>
      m!.store.setState({
        sync: {
          kind: 'offline',
          url: 'u',
          reason: 'Control plane unreachable',
          replicaAsOf: '2026-11-25T07:57:50.000Z',
        },
      }),
    );
    const connection = byTestId(m.container, 'connection-state');
    expect(connection.textContent).toBe('Offline · replica as of 07:57:50 UTC');
    expect(connection.title).toBe('Offline · replica as of 07:57:50 UTC\nControl plane unreachable');
  });

  it('names the instance in use when the profile lists several, and says when it failed over', async () => {
    const now = Date.parse('2026-11-25T03:13:05.000Z');
    const instance = { position: 2, count: 3 };
    expect(
      describeSync(
        {
          kind: 'reconnecting',
          url: 'http://127.0.0.1:4002',
          attempt: 1,
          nextRetryAt: '2026-11-25T03:13:05.000Z',
          lastError: 'x',
          instance,
        },
        now,
      )?.label,
    ).toBe('Reconnecting to 127.0.0.1:4002 (2 of 3) · retry in 0 s (attempt 1)');
    expect(
      describeSync(
        {
          kind: 'offline',
          url: 'http://127.0.0.1:4001',
          reason: 'r',
          replicaAsOf: null,
          instance: { position: 1, count: 3 },
        },
        now,
      )?.label,
    ).toBe('Offline · all 3 instances unreachable · replica as of unknown');
    m = await mountApp(liveReplica('alice', 'responder'));
    await inAct(() =>
      m!.fake.emit('sync:changed', {
        kind: 'live',
        url: 'http://127.0.0.1:4002',
        roundTripMs: 3,
        since: '2026-11-25T03:12:00.000Z',
        instance,
        failover: {
          from: 'http://127.0.0.1:4001',
          to: 'http://127.0.0.1:4002',
          at: '2026-11-25T03:12:00.000Z',
          reason: 'E_STREAM_CLOSED: the ledger stream ended',
        },
      }),
    );
    const connection = byTestId(m.container, 'connection-state');
    expect(connection.textContent).toBe('Live via 127.0.0.1:4002 (2 of 3)');
    const failover = byTestId(m.container, 'failover');
    expect(failover.textContent).toBe('Failed over at 03:12:00 UTC');
    const sentence =
      'Failed over from 127.0.0.1:4001 to 127.0.0.1:4002 at 03:12:00 UTC: the ledger stream ended (E_STREAM_CLOSED).';
    expect(failover.title).toBe(sentence);
    expect(connection.title).toBe(`Live via 127.0.0.1:4002 (2 of 3)\nround trip 4 ms\n${sentence}`);
  });

  it('shows the backfill rate beside the sync state, where it gives way first', async () => {
    m = await mountApp(liveReplica());
    await inAct(() =>
      m!.store.setState({
        sync: { kind: 'backfilling', url: 'u', done: 412345, total: 1000000 },
        syncProgress: { done: 412345, total: 1000000, ratePerSecond: 12345.4, etaSeconds: 95 },
      }),
    );
    const connection = byTestId(m.container, 'connection-state');
    expect(connection.textContent).toBe('Syncing 412,345 / 1,000,000');
    expect(connection.title).toBe('Syncing 412,345 / 1,000,000 · 12,345/s · 95 s left');
    expect(byTestId(m.container, 'sync-rate').textContent).toBe('12,345/s · 95 s left');
  });

  it('offline, the badge says "verified … as of" the last checkpoint instead of a green ✓', async () => {
    m = await mountApp(liveReplica('alice', 'responder'));
    await inAct(() =>
      m!.fake.emit('sync:changed', {
        kind: 'offline',
        url: 'http://127.0.0.1:4000',
        reason: 'the control plane refused the connection',
        replicaAsOf: '2026-11-25T03:11:00.000Z',
      }),
    );
    const badge = byTestId(m.container, 'verification-badge');
    expect(badge.getAttribute('data-state')).toBe('stale');
    expect(badge.textContent).toBe('verified 120 as of 2026-11-25 03:11:00 UTC');
  });
});
