import { describe, expect, it } from 'vitest';
import { blockReason, syncBlock } from './gates.ts';
import { grantCovers } from './ui-slice.ts';

const live = { kind: 'live', url: 'http://cp', roundTripMs: 5, since: '2026-11-25T03:00:00.000Z' } as const;

describe('action gates', () => {
  it('offline names the reason and the replica time', () => {
    expect(
      syncBlock({
        kind: 'offline',
        url: 'http://cp',
        replicaAsOf: '2026-11-25T03:12:07.000Z',
        reason: 'control plane unreachable',
      }),
    ).toBe(
      'Offline: control plane unreachable. Showing the replica as of 03:12:07 UTC; actions need the control plane.',
    );
  });

  it('reconnecting names the attempt and next retry', () => {
    expect(
      syncBlock({
        kind: 'reconnecting',
        url: 'http://cp',
        attempt: 3,
        nextRetryAt: '2026-11-25T03:13:10.000Z',
        lastError: 'ECONNREFUSED',
      }),
    ).toBe(
      'Reconnecting to http://cp (attempt 3, next retry 03:13:10 UTC): ECONNREFUSED. Actions need a live connection.',
    );
  });

  it('roles: responders kill, approvers review, viewers do neither', () => {
    expect(blockReason(live, { name: 'a', role: 'responder' }, 'kill')).toBeNull();
    expect(blockReason(live, { name: 'a', role: 'responder' }, 'review')).toBe(
      'Your role responder cannot approve or reject change requests (needs approver or admin); ask an admin.',
    );
    expect(blockReason(live, { name: 'a', role: 'approver' }, 'review')).toBeNull();
    expect(blockReason(live, { name: 'a', role: 'viewer' }, 'rollback')).toMatch(
      /^Your role viewer cannot roll back changes/,
    );
    expect(blockReason(live, null, 'kill')).toMatch(/^Not signed in/);
  });

  it('a break-glass grant covers only its scope and lifetime', () => {
    const grant = {
      tokenId: 'bg',
      token: 's',
      expiresAt: '2026-11-25T03:30:00.000Z',
      flags: ['a.b.c'],
      envs: ['production'],
    };
    const t = Date.parse('2026-11-25T03:20:00.000Z');
    expect(grantCovers(grant, 'a.b.c', 'production', t)).toBe(true);
    expect(grantCovers(grant, 'a.b.c', 'staging', t)).toBe(false);
    expect(grantCovers(grant, 'a.b.c', 'production', Date.parse('2026-11-25T03:31:00.000Z'))).toBe(false);
    expect(grantCovers(null, 'a.b.c', 'production', t)).toBe(false);
  });
});
