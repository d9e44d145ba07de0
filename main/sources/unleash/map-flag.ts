/**
 * Handlers of events about a flag as a whole: created (`flag.created`, the definition plus every project environment
 * off), and metadata, tags, staleness, archive, revive, delete and project moves (`flag.updated` with env null and the
 * definition before and after, which is what the console's flag catalog folds).
 */
import type { JsonValue } from '../../../shared/ledger/leaf.ts';
import { definitionOf } from './definition.ts';
import { emptyEnvConfig, envStateOf } from './env-state.ts';
import type { Handler, MapInput, Mapped } from './map-types.ts';
import { isRec } from './model.ts';
import type { UnleashTag } from './reads.ts';
import { sortTags, unseenFlag, type FlagMirror } from './state.ts';

function text(v: JsonValue | undefined): string | null {
  return typeof v === 'string' ? v : null;
}

function tagOf(v: JsonValue): UnleashTag | null {
  return isRec(v) && typeof v['type'] === 'string' && typeof v['value'] === 'string'
    ? { type: v['type'], value: v['value'] }
    : null;
}

function current(input: MapInput): FlagMirror | null {
  const key = input.event.featureName;
  if (key === null || key === '') return null;
  return input.flag ?? unseenFlag(key, input.event.project);
}

/** A definition change of the event's flag: `change` gives the new record, or null when the payload is unreadable. */
function definitionChange(change: (flag: FlagMirror, input: MapInput) => FlagMirror | null, what: string): Handler {
  return (input) => {
    const flag = current(input);
    if (flag === null) return null;
    const next = change(flag, input);
    if (next === null) return null;
    const mapped: Mapped = {
      action: 'flag.updated',
      env: null,
      before: definitionOf(flag),
      after: definitionOf(next),
      what,
      flag: next,
    };
    return mapped;
  };
}

/** `feature-created`: a flag exists, off in every environment of its project. */
export const created: Handler = (input) => {
  const data = input.event.data;
  const key = input.event.featureName ?? (isRec(data) ? text(data['name']) : null);
  if (key === null || key === '' || !isRec(data)) return null;
  const project = text(data['project']) ?? input.event.project ?? '';
  const tags = Array.isArray(data['tags']) ? data['tags'].map(tagOf).filter((t): t is UnleashTag => t !== null) : [];
  const flag: FlagMirror = {
    ...unseenFlag(key, project),
    type: text(data['type']),
    description: text(data['description']) ?? '',
    stale: data['stale'] === true,
    tags: sortTags(tags),
    createdSeen: true,
  };
  const environments: { [env: string]: JsonValue } = {};
  for (const env of input.projectEnvironments[project] ?? []) {
    flag.envs[env] = emptyEnvConfig();
    environments[env] = envStateOf(emptyEnvConfig());
  }
  const after = { ...definitionOf(flag), environments };
  return { action: 'flag.created', env: null, before: null, after, what: `flag created in project ${project}`, flag };
};

/** `feature-metadata-updated` / `feature-updated`: description, type, staleness from the new flag payload. */
export const metadata = definitionChange((flag, { event }) => {
  const data = event.data;
  if (!isRec(data)) return null;
  return {
    ...flag,
    type: text(data['type']) ?? flag.type,
    description: text(data['description']) ?? flag.description,
    stale: typeof data['stale'] === 'boolean' ? data['stale'] : flag.stale,
  };
}, 'flag metadata updated');

/** `feature-tagged`. */
export const tagged = definitionChange((flag, { event }) => {
  const tag = tagOf(event.data);
  return tag === null ? null : { ...flag, tags: sortTags([...flag.tags, tag]) };
}, 'tag added');

/** `feature-untagged`. */
export const untagged = definitionChange((flag, { event }) => {
  const tag = tagOf(event.preData);
  if (tag === null) return null;
  return { ...flag, tags: flag.tags.filter((t) => t.type !== tag.type || t.value !== tag.value) };
}, 'tag removed');

/** `feature-stale-on` / `feature-stale-off`. */
export function staleness(stale: boolean): Handler {
  return definitionChange((flag) => ({ ...flag, stale }), stale ? 'marked stale' : 'no longer stale');
}

/** `feature-archived` / `feature-revived`: archived flags are not served to SDKs. */
export function archive(archived: boolean): Handler {
  return definitionChange((flag) => ({ ...flag, archived }), archived ? 'flag archived' : 'flag revived');
}

/** `feature-deleted`: removed from the archive for good (Unleash may reuse the name afterwards). */
export const deleted = definitionChange((flag) => ({ ...flag, deleted: true }), 'flag deleted from the archive');

/** `feature-project-change`: the flag moved to another project (its owner). */
export const projectChange = definitionChange((flag, { event }) => {
  const data = event.data;
  const project = isRec(data) ? text(data['newProject']) : null;
  return project === null ? null : { ...flag, project };
}, 'flag moved to another project');
