import { describe, expect, it } from 'vitest';
import { foldIncidents, type IncidentLeaf } from './incidents.ts';

const leaf = (idx: number, action: string, after: unknown, ts = `2026-11-25T03:0${idx}:00.000Z`): IncidentLeaf => ({
  idx,
  ts,
  action,
  after,
  refs: {},
});

describe('foldIncidents', () => {
  it('builds incidents and follows their status', () => {
    const list = foldIncidents([
      leaf(1, 'incident.triggered', {
        id: 'inc_1',
        service: 'payments',
        title: 'Errors up',
        severity: 'critical',
        source: 'pagerduty',
        triggered_at: '2026-11-25T03:01:00.000Z',
      }),
      leaf(2, 'incident.triggered', {
        id: 'inc_2',
        service: 'search',
        title: 'Latency',
        severity: 'warning',
        source: 'manual',
        triggered_at: '2026-11-25T03:02:00.000Z',
      }),
      leaf(3, 'incident.acknowledged', { id: 'inc_1' }),
      leaf(4, 'incident.resolved', { id: 'inc_2' }),
    ]);
    expect(list.map((i) => [i.id, i.status])).toEqual([
      ['inc_1', 'acknowledged'],
      ['inc_2', 'resolved'],
    ]);
    expect(list[0]).toMatchObject({
      service: 'payments',
      source: 'pagerduty',
      idx: 1,
      triggeredAt: '2026-11-25T03:01:00.000Z',
    });
  });

  it('puts active incidents first, newest first', () => {
    const list = foldIncidents([
      leaf(1, 'incident.triggered', { id: 'a', service: 's', triggered_at: '2026-11-25T01:00:00.000Z' }),
      leaf(2, 'incident.triggered', { id: 'b', service: 's', triggered_at: '2026-11-25T02:00:00.000Z' }),
      leaf(3, 'incident.resolved', { id: 'b' }),
      leaf(4, 'incident.triggered', { id: 'c', service: 's', triggered_at: '2026-11-25T00:30:00.000Z' }),
    ]);
    expect(list.map((i) => i.id)).toEqual(['a', 'c', 'b']);
  });

  it('ignores malformed and unrelated entries, and a resolved incident stays resolved', () => {
    const list = foldIncidents([
      leaf(1, 'incident.triggered', { service: 'no id' }),
      leaf(2, 'flag.updated', { id: 'x', service: 'y' }),
      leaf(3, 'incident.triggered', ['not', 'an', 'object']),
      leaf(4, 'incident.triggered', { id: 'z', service: 'api' }),
      leaf(5, 'incident.resolved', { id: 'z' }),
      leaf(6, 'incident.acknowledged', { id: 'z' }),
    ]);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      id: 'z',
      status: 'resolved',
      source: 'manual',
      severity: 'unknown',
      title: 'Incident on api',
    });
  });
});
