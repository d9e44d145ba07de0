/** The fleet registry's bounds, without a server: the instance cap, the per-instance history, and re-reaching a version. */
import { afterEach, describe, expect, it } from 'vitest';
import { SdkFleet } from './fleet.ts';

const T0 = Date.parse('2026-11-25T03:00:00.000Z');
const fleets: SdkFleet[] = [];
afterEach(() => {
  for (const f of fleets.splice(0)) f.close();
});

function make(latest: { v: number }, opts: ConstructorParameters<typeof SdkFleet>[3]): SdkFleet {
  const f = new SdkFleet(
    ['production'],
    () => latest.v,
    () => T0,
    opts,
  );
  fleets.push(f);
  return f;
}

const who = (id: string, applied: number | null, stale = false) => ({
  instance_id: id,
  service: 'checkout',
  host: 'h',
  sdk_version: '0.1.0',
  applied_version: applied,
  stale,
});

describe('SdkFleet bounds', () => {
  it('keeps at most maxInstances, dropping the least recently seen', () => {
    const latest = { v: 10 };
    const f = make(latest, { maxInstances: 3 });
    f.ack(who('a', 10), 'production', 'k', T0);
    f.ack(who('b', 10), 'production', 'k', T0 + 1);
    f.ack(who('c', 10), 'production', 'k', T0 + 2);
    f.ack(who('a', 10), 'production', 'k', T0 + 3); // seen again: now the most recent
    f.ack(who('d', 10), 'production', 'k', T0 + 4);
    expect(f.snapshot('production', T0 + 5).instances.map((i) => i.instance_id)).toEqual(['a', 'c', 'd']);
  });

  it('keeps a bounded history and answers "first reached" since the instance last fell below the target', () => {
    const latest = { v: 50 };
    const f = make(latest, { historyPerInstance: 4 });
    for (let v = 40; v <= 47; v++) f.ack(who('a', v), 'production', 'k', T0 + v);
    // History holds 44..47: version 45 was first reported at T0+45; for 42 the oldest kept report is the answer.
    const r = f.appliedReport('production', 44, T0, T0 + 100);
    expect([r.target_version, r.k, r.instances[0]?.ms]).toEqual([45, 1, 45]);
    expect(f.appliedReport('production', 41, T0, T0 + 100).instances[0]?.ms).toBe(44);
    // An entry beyond what changed the environment's config (latest 50 < 61) is applied at the latest version.
    expect(f.appliedReport('production', 60, T0, T0 + 100).target_version).toBe(50);
    // Restarted from an old last-known-good, then caught up again: counted from the catch-up.
    f.ack(who('a', 30, true), 'production', 'k', T0 + 200);
    expect(f.appliedReport('production', 44, T0, T0 + 201).k).toBe(0);
    f.ack(who('a', 47), 'production', 'k', T0 + 300);
    expect(f.appliedReport('production', 44, T0, T0 + 301).instances[0]).toMatchObject({ ms: 300, state: 'behind' });
  });
});
