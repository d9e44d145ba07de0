import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BreakGlassAcks, parseAcks, UNKNOWN_PERSON } from './break-glass-acks.ts';
import type { ConsoleRuntime } from './console-runtime.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Acks over a fresh dir; `who` is what the control plane answers for the token. */
function acksIn(who: () => Promise<string | null>): { acks: BreakGlassAcks; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'acks-'));
  dirs.push(dir);
  const runtime = {
    store: { replicaPath: (id: string) => join(dir, `${id}.sqlite`) },
    session: () => ({ profileId: 'p1' }),
  } as unknown as ConsoleRuntime;
  return { acks: new BreakGlassAcks(runtime, who), file: join(dir, 'p1.sqlite.acks.json') };
}

describe('break-glass acknowledgements', () => {
  it('are kept per person, with the time, in a 0600 file', async () => {
    let person: string | null = 'riley';
    const { acks, file } = acksIn(async () => person);
    await acks.acknowledge(42);
    acks.acknowledgeAs('blake', 7, Date.parse('2026-11-25T03:00:00.000Z'));
    expect([...acks.acknowledged('riley').keys()]).toEqual([42]);
    expect([...acks.acknowledged('blake')]).toEqual([[7, '2026-11-25T03:00:00.000Z']]);
    expect([...acks.acknowledged('avery').keys()]).toEqual([]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Offline, the last person the control plane named is still the one acknowledging.
    person = null;
    expect(await acks.who()).toBe('riley');
    await acks.acknowledge(43);
    expect([...acks.acknowledged('riley').keys()]).toEqual([42, 43]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      version: 2,
      people: { blake: { '7': '2026-11-25T03:00:00.000Z' } },
    });
  });

  it('a console that never learned who it is acknowledges as "this console"', async () => {
    const { acks } = acksIn(async () => {
      throw new Error('ECONNREFUSED');
    });
    expect(await acks.who()).toBe(UNKNOWN_PERSON);
  });

  it('the first format (one array per profile) still counts, for every person, and survives a new acknowledgement', () => {
    const { acks, file } = acksIn(async () => 'riley');
    writeFileSync(file, '[3, 5, "x"]');
    expect(parseAcks('[3, 5, "x"]').legacy).toEqual(new Set([3, 5]));
    acks.acknowledgeAs('riley', 9, 0);
    expect([...acks.acknowledged('blake').keys()]).toEqual([3, 5]);
    expect([...acks.acknowledged('riley').keys()].sort((a, b) => a - b)).toEqual([3, 5, 9]);
  });
});
