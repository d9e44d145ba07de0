/**
 * Break-glass uses stay announced until the person at this console acknowledges them. Acknowledgements are kept per
 * person (the identity the control plane names for the profile's token) in a file next to the profile's replica, so a
 * reload or a restart does not hide them again, and one person's acknowledgement does not silence another's console.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { BreakGlassRecord, BreakGlassUse } from '../../shared/ipc/contract.ts';
import { queryLedger } from '../read-models/index.ts';
import type { ConsoleRuntime } from './console-runtime.ts';

const DAY_MS = 24 * 3600 * 1000;

/** Who acknowledges when the control plane cannot say (offline before the first identity answer). */
export const UNKNOWN_PERSON = 'this console';

/** The file: person → ledger idx → when they acknowledged it. */
interface AckFile {
  version: 2;
  people: Record<string, Record<string, string>>;
}

/** Parses the acknowledgements file; the first format (an array of indexes, one per profile) counts for everyone. */
export function parseAcks(text: string): { file: AckFile; legacy: Set<number> } {
  const parsed: unknown = JSON.parse(text);
  if (Array.isArray(parsed))
    return {
      file: { version: 2, people: {} },
      legacy: new Set(parsed.filter((x): x is number => Number.isSafeInteger(x))),
    };
  const people: AckFile['people'] = {};
  const raw = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['people'] : null;
  if (typeof raw === 'object' && raw !== null)
    for (const [person, acks] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof acks !== 'object' || acks === null) continue;
      people[person] = Object.fromEntries(
        Object.entries(acks as Record<string, unknown>).filter(
          (e): e is [string, string] => /^\d+$/.test(e[0]) && typeof e[1] === 'string',
        ),
      );
    }
  const legacyRaw =
    typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['legacy'] : null;
  const legacy = new Set(Array.isArray(legacyRaw) ? legacyRaw.filter((x): x is number => Number.isSafeInteger(x)) : []);
  return { file: { version: 2, people }, legacy };
}

/** Stores and answers acknowledgements of break-glass uses. */
export class BreakGlassAcks {
  private readonly runtime: ConsoleRuntime;
  private readonly person: () => Promise<string | null>;
  /** The last person the control plane named per profile (used while it cannot be asked). */
  private readonly lastPerson = new Map<string, string>();

  /** `person` asks the control plane who the profile's token belongs to (null when it cannot say). */
  constructor(runtime: ConsoleRuntime, person: () => Promise<string | null> = async () => null) {
    this.runtime = runtime;
    this.person = person;
  }

  private file(): string {
    return `${this.runtime.store.replicaPath(this.runtime.session().profileId)}.acks.json`;
  }

  private read(): { file: AckFile; legacy: Set<number> } {
    const f = this.file();
    return existsSync(f) ? parseAcks(readFileSync(f, 'utf8')) : { file: { version: 2, people: {} }, legacy: new Set() };
  }

  /** The person at this console: the control plane's answer, else the last one it gave, else UNKNOWN_PERSON. */
  async who(): Promise<string> {
    const profile = this.runtime.session().profileId;
    const name = await this.person().catch(() => null);
    if (name) this.lastPerson.set(profile, name);
    return name ?? this.lastPerson.get(profile) ?? UNKNOWN_PERSON;
  }

  /** When `person` acknowledged each index. */
  acknowledged(person: string): Map<number, string> {
    const { file, legacy } = this.read();
    const out = new Map<number, string>();
    for (const idx of legacy) out.set(idx, '');
    for (const [idx, at] of Object.entries(file.people[person] ?? {})) out.set(Number(idx), at);
    return out;
  }

  /** Records that `person` saw the break-glass use at `idx`. */
  acknowledgeAs(person: string, idx: number, now = Date.now()): null {
    const { file, legacy } = this.read();
    const mine = { ...(file.people[person] ?? {}) };
    mine[String(idx)] ??= new Date(now).toISOString();
    const next = { version: 2, people: { ...file.people, [person]: mine }, legacy: [...legacy] };
    writeFileSync(this.file(), JSON.stringify(next), { mode: 0o600 });
    return null;
  }

  /** Records that the person at this console saw the break-glass use at `idx`. */
  async acknowledge(idx: number): Promise<null> {
    return this.acknowledgeAs(await this.who(), idx);
  }

  /** Break-glass uses of the last 24 hours, newest first, each with `person`'s acknowledgement. */
  recentFor(person: string, now = Date.now()): BreakGlassRecord[] {
    const db = this.runtime.replica().db;
    const acks = this.acknowledged(person);
    const page = queryLedger(db, {
      filter: { action: 'break_glass.used', from: new Date(now - DAY_MS).toISOString() },
      offset: 0,
      limit: 100,
      order: 'desc',
    });
    return page.rows.map((r) => {
      const at = acks.get(r.idx);
      return {
        idx: r.idx,
        actor: r.actor,
        flag: r.flag,
        env: r.env,
        reason: r.reason,
        at: r.ts,
        acknowledgedBy: at === undefined ? null : person,
        acknowledgedAt: at === undefined || at === '' ? null : at,
      };
    });
  }

  /** The uses of the last 24 hours with this console's person's acknowledgements. */
  async recent(): Promise<BreakGlassRecord[]> {
    return this.recentFor(await this.who());
  }

  /** Break-glass uses of the last 24 hours that the person at this console has not acknowledged. */
  async pending(): Promise<BreakGlassUse[]> {
    return (await this.recent())
      .filter((r) => r.acknowledgedBy === null)
      .map(({ idx, actor, flag, env, reason, at }) => ({ idx, actor, flag, env, reason, at }));
  }
}
