import { describe, expect, it } from 'vitest';
import type { FleetRoundTrip } from '../../shared/ipc/contract.ts';
import type { FleetAppliedReport } from '../../shared/protocol/fleet.ts';
import type { NotificationSpec } from '../notify/notification-policy.ts';
import { describeStraggler, FleetRoundTrips, type FleetCheckDeps } from './fleet-round-trip.ts';
import { appliedReport } from './test-support/fleet-test-data.ts';

/** Runs one check over a scripted sequence of answers (each a report or an error), on a fake clock. */
async function check(
  answers: (FleetAppliedReport | Error)[],
  over: Partial<FleetCheckDeps> = {},
  action = 'actions:kill',
): Promise<{ steps: FleetRoundTrip[]; notes: NotificationSpec[]; asked: number }> {
  const steps: FleetRoundTrip[] = [];
  const notes: NotificationSpec[] = [];
  let clock = 0;
  let asked = 0;
  const checks = new FleetRoundTrips({
    fetchApplied: async () => {
      const a = answers[Math.min(asked, answers.length - 1)];
      asked++;
      clock += 1000;
      if (a === undefined || a instanceof Error) throw a ?? new Error('none');
      return a;
    },
    unavailable: () => null,
    notify: (n) => notes.push(n),
    publish: (_key, s) => steps.push(s),
    now: () => clock,
    pollMs: 1,
    giveUpMs: 10_000,
    ...over,
  });
  checks.start({ key: 'k1', action, idx: 119, environment: 'production' });
  // The session stops at once: the check ends with what it saw.
  await checks.stop();
  return { steps, notes, asked };
}

/** Runs a check to its end (no abort). */
async function runToEnd(
  answers: (FleetAppliedReport | Error)[],
  over: Partial<FleetCheckDeps> = {},
  action = 'actions:kill',
): Promise<{ steps: FleetRoundTrip[]; notes: NotificationSpec[]; asked: number }> {
  const steps: FleetRoundTrip[] = [];
  const notes: NotificationSpec[] = [];
  let clock = 0;
  let asked = 0;
  let done: () => void = () => {};
  const ended = new Promise<void>((r) => (done = r));
  const checks = new FleetRoundTrips({
    fetchApplied: async () => {
      const a = answers[Math.min(asked, answers.length - 1)];
      asked++;
      clock += 1000;
      if (a === undefined || a instanceof Error) throw a ?? new Error('none');
      return a;
    },
    unavailable: () => null,
    notify: (n) => notes.push(n),
    publish: (_key, s) => {
      steps.push(s);
      if (s.status !== 'checking') done();
    },
    now: () => clock,
    pollMs: 1,
    giveUpMs: 10_000,
    ...over,
  });
  checks.start({ key: 'k1', action, idx: 119, environment: 'production' });
  await ended;
  await checks.stop();
  return { steps, notes, asked };
}

const late = (r: FleetAppliedReport): FleetAppliedReport => ({ ...r, generated_at: '2026-11-25T03:10:05.200Z' });

describe('the round trip to the SDK fleet', () => {
  it('ends complete as soon as every instance applied the entry, with p50 and max', async () => {
    const { steps, notes, asked } = await runToEnd([
      appliedReport([{ id: 'a', service: 'payments', ms: 4 }], [{ id: 'b', service: 'payments' }]),
      appliedReport(
        [
          { id: 'a', service: 'payments', ms: 4 },
          { id: 'b', service: 'payments', ms: 9 },
          { id: 'c', service: 'checkout', ms: 6 },
        ],
        [],
      ),
    ]);
    expect(asked).toBe(2);
    expect(steps.map((s) => [s.status, s.k, s.n])).toEqual([
      ['checking', null, null],
      ['checking', 1, 2],
      ['complete', 3, 3],
    ]);
    expect(steps.at(-1)).toMatchObject({ p50Ms: 6, maxMs: 9, behind: [], overdue: false, error: null });
    expect(notes).toEqual([]);
  });

  it('names a straggler still behind 5 s after a kill: alert on the receipt, one notification, then partial', async () => {
    const behind = appliedReport(
      [{ id: 'chk-1', service: 'checkout', ms: 5 }],
      [{ id: 'chk-7', service: 'checkout', stale: true }],
    );
    const { steps, notes } = await runToEnd([behind, late(behind)], { giveUpMs: 4000 });
    const last = steps.at(-1);
    expect(last).toMatchObject({ status: 'partial', k: 1, n: 2, overdue: true });
    expect(last?.behind).toEqual([
      {
        instanceId: 'chk-7',
        service: 'checkout',
        host: 'host-chk-7',
        state: 'last_known_good',
        appliedVersion: 100,
        stale: true,
        staleSince: '2026-11-25T03:01:00.000Z',
      },
    ]);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toEqual({
      title: 'The kill has not reached 1 SDK instance',
      body: 'Entry #119 (production): applied by 1 of 2 after 5 s. Still behind: chk-7 (checkout) on host host-chk-7, on version 100, serving its last-known-good since 2026-11-25T03:01:00.000Z. Open the fleet view.',
      urgency: 'critical',
    });
  });

  it('does not alert for other actions', async () => {
    const behind = late(appliedReport([], [{ id: 'x', service: 'checkout' }]));
    const { steps, notes } = await runToEnd([behind], { giveUpMs: 2000 }, 'changeRequests:approve');
    expect(notes).toEqual([]);
    expect(steps.at(-1)).toMatchObject({ status: 'partial', overdue: false, k: 0, n: 1 });
  });

  it('offline: says it could not be checked and claims nothing', async () => {
    const { steps, asked } = await runToEnd([appliedReport([{ id: 'a', service: 'p', ms: 1 }], [])], {
      unavailable: () => ({ code: 'E_OFFLINE', message: 'the control plane is unreachable (refused)' }),
    });
    expect(asked).toBe(0);
    const last = steps.at(-1);
    expect(last).toMatchObject({ status: 'unchecked', k: null, n: null, p50Ms: null, behind: [], checkedAt: null });
    expect(last?.error?.code).toBe('E_FLEET_UNCHECKED');
    expect(last?.error?.message).toContain('could not be checked (E_OFFLINE');
  });

  it('a control plane that keeps failing: unchecked once the bound is reached; a missing endpoint stops at once', async () => {
    const down = Object.assign(new Error('The control plane could not be reached'), {
      code: 'E_CONTROL_PLANE_UNREACHABLE',
    });
    const a = await runToEnd([down], { giveUpMs: 3000 });
    expect(a.asked).toBe(3);
    expect(a.steps.at(-1)?.status).toBe('unchecked');
    const missing = Object.assign(new Error('no route'), { code: 'NOT_FOUND' });
    const b = await runToEnd([missing]);
    expect(b.asked).toBe(1);
    expect(b.steps.at(-1)?.error?.message).toContain('NOT_FOUND');
  });

  it('stops asking when the session stops, and says so instead of staying "checking"', async () => {
    const { steps, asked } = await check([appliedReport([], [{ id: 'x', service: 'checkout' }])]);
    expect(asked).toBeLessThanOrEqual(1);
    const last = steps.at(-1);
    expect(last?.status === 'unchecked' || last?.status === 'partial').toBe(true);
    expect(JSON.stringify(last?.error)).toContain('E_FLEET_STOPPED');
  });

  it('describes a disconnected straggler', () => {
    expect(
      describeStraggler({
        instanceId: 'i',
        service: 's',
        host: 'h',
        state: 'disconnected',
        appliedVersion: null,
        stale: false,
        staleSince: null,
      }),
    ).toBe('i (s) on host h, no version applied yet, disconnected');
  });
});
