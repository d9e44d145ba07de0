/**
 * What the mapping remembers between events: per flag its project, type, description, tags, lifecycle and per
 * environment its Unleash configuration, plus each project's environments. It is plain JSON, so the mirror can store
 * it next to its cursor and resume without re-reading Unleash's whole log. Flag records are replaced, never mutated.
 */
import { emptyEnvConfig, type UnleashEnvConfig } from './env-state.ts';
import type { UnleashTag } from './reads.ts';

/** One flag as far as the events told. */
export interface FlagMirror {
  key: string;
  project: string;
  type: string | null;
  description: string;
  stale: boolean;
  archived: boolean;
  deleted: boolean;
  /** Sorted by type, then value. */
  tags: UnleashTag[];
  /** False when the mirror never saw the flag's creation: configurations it was not told about are unknown. */
  createdSeen: boolean;
  /** Configurations of the environments the events told about. */
  envs: Record<string, UnleashEnvConfig>;
}

/** The mapping's memory. */
export interface MirrorState {
  flags: Record<string, FlagMirror>;
  /** Environments of each project (from the API at first sync; used to list a new flag's environments). */
  projectEnvironments: Record<string, string[]>;
}

/** A state before any event. */
export function emptyMirrorState(projectEnvironments: Record<string, string[]> = {}): MirrorState {
  return { flags: {}, projectEnvironments: { ...projectEnvironments } };
}

/** A record for a flag first met in an event other than its creation. */
export function unseenFlag(key: string, project: string | null): FlagMirror {
  return {
    key,
    project: project ?? '',
    type: null,
    description: '',
    stale: false,
    archived: false,
    deleted: false,
    tags: [],
    createdSeen: false,
    envs: {},
  };
}

/** The configuration of `env`, or null when the mirror cannot know it. */
export function envConfig(flag: FlagMirror, env: string): UnleashEnvConfig | null {
  return flag.envs[env] ?? (flag.createdSeen ? emptyEnvConfig() : null);
}

/** A copy of `flag` with `env` set to `config`. */
export function withEnv(flag: FlagMirror, env: string, config: UnleashEnvConfig): FlagMirror {
  return { ...flag, envs: { ...flag.envs, [env]: config } };
}

/** Tags sorted by type, then value, without duplicates. */
export function sortTags(tags: readonly UnleashTag[]): UnleashTag[] {
  const seen = new Set<string>();
  const out: UnleashTag[] = [];
  for (const t of tags) {
    const k = `${t.type}\u0000${t.value}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ type: t.type, value: t.value });
  }
  return out.sort((a, b) => (a.type === b.type ? cmp(a.value, b.value) : cmp(a.type, b.type)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A deep copy (the state is plain JSON). */
export function cloneMirrorState(state: MirrorState): MirrorState {
  return JSON.parse(JSON.stringify(state)) as MirrorState;
}
