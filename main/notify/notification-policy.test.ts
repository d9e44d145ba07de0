import { describe, expect, it } from 'vitest';
import { notificationFor, notificationForEntry } from './notification-policy.ts';

describe('notification policy', () => {
  it('alerts loudly on ledger evidence, naming code and index', () => {
    const n = notificationFor('ledger:alerted', {
      id: 1,
      kind: 'fork',
      code: 'FORK',
      idx: 41,
      detail: 'two signed roots for size 42',
      notes: [],
      at: '2026-11-25T03:00:00.000Z',
    });
    expect(n).toEqual({
      title: 'Ledger ALERT: FORK',
      body: 'two signed roots for size 42 (entry 41). The replica stopped advancing; open the evidence.',
      urgency: 'critical',
    });
  });

  it('announces break-glass use with who, where and why', () => {
    const n = notificationFor('breakGlass:used', {
      idx: 9,
      actor: 'carol',
      flag: 'payments.core.ledger',
      env: 'production',
      reason: 'stop double charges',
      at: '2026-11-25T03:00:00.000Z',
    });
    expect(n?.body).toBe('carol used break-glass on payments.core.ledger (production): stop double charges');
    expect(n?.urgency).toBe('critical');
  });

  it('stays quiet for routine events', () => {
    expect(notificationFor('ledger:appended', { receivedSize: 10 })).toBeNull();
    expect(notificationForEntry('flag.updated', 'a.b', 'production', '')).toBeNull();
  });

  it('notifies new incidents and automatic rollbacks', () => {
    expect(notificationForEntry('incident.triggered', null, null, 'payments: error rate 9%')?.title).toBe(
      'New incident',
    );
    expect(notificationForEntry('flag.auto_rolled_back', 'search.ranking.v2', 'production', '')?.body).toContain(
      'search.ranking.v2 (production)',
    );
  });
});
