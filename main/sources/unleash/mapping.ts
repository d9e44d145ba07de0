/**
 * Unleash event → ledger leaf, table-driven (docs/unleash.md has the same table). Each handler is pure: from the event
 * and the flag's record so far it decides the leaf and the record after. Every event becomes exactly one leaf: types
 * the table does not know, and known types whose payload is unreadable, are kept as `unleash.<type>` leaves with the
 * event's preData/data as before/after — never dropped. Every leaf carries the event id, type and content digest in
 * `refs`, the actor from `createdBy`, the time from `createdAt`.
 */
import type { JsonValue, LeafActor, LedgerLeaf } from '../../../shared/ledger/leaf.ts';
import { eventDigest, type UnleashEvent } from './events.ts';
import { archive, created, deleted, metadata, projectChange, staleness, tagged, untagged } from './map-flag.ts';
import { envVariants, strategyAdded, strategyRemoved, strategyUpdated, toggle } from './map-env.ts';
import type { Handler, Mapped } from './map-types.ts';
import type { MirrorState } from './state.ts';

/** A leaf before the mirror gives it its place in the log (`v`, `log`, `idx`, `prev`). */
export type LeafDraft = Omit<LedgerLeaf, 'v' | 'log' | 'idx' | 'prev'>;

/** The mapping table: Unleash event type → handler. */
export const EVENT_HANDLERS: Readonly<Record<string, Handler>> = {
  'feature-created': created,
  'feature-metadata-updated': metadata,
  'feature-updated': metadata,
  'feature-tagged': tagged,
  'feature-untagged': untagged,
  'feature-stale-on': staleness(true),
  'feature-stale-off': staleness(false),
  'feature-archived': archive(true),
  'feature-revived': archive(false),
  'feature-deleted': deleted,
  'feature-project-change': projectChange,
  'feature-environment-enabled': toggle(true),
  'feature-environment-disabled': toggle(false),
  'feature-strategy-add': strategyAdded,
  'feature-strategy-update': strategyUpdated,
  'feature-strategy-remove': strategyRemoved,
  'feature-environment-variants-updated': envVariants,
};

/** Unleash's built-in accounts: the system user (-1337) and the admin-token user (-42). */
const SYSTEM_USER_ID = -1337;
const ADMIN_TOKEN_USER_ID = -42;

/** Who made the change: a person (a user id > 0), an API token (`service`), or Unleash itself (`system`). */
export function actorOf(e: UnleashEvent): LeafActor {
  const id = e.createdBy !== '' ? e.createdBy : e.createdByUserId !== null ? `user ${e.createdByUserId}` : 'unknown';
  if (e.createdByUserId !== null && e.createdByUserId > 0) return { type: 'user', id };
  if (e.createdByUserId === ADMIN_TOKEN_USER_ID) return { type: 'service', id };
  if (e.createdByUserId === SYSTEM_USER_ID || e.createdByUserId === null) return { type: 'system', id };
  return { type: 'service', id };
}

/** `unleash.<type>` with every run of characters other than a-z turned into `_` (the ledger's action syntax). */
export function rawAction(type: string): string {
  const word = type
    .toLowerCase()
    .replace(/[^a-z]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `unleash.${word === '' ? 'event' : word}`;
}

function nameOrNull(v: string | null): string | null {
  return v === null || v === '' ? null : v;
}

/** The raw leaf of an event the table does not map (or whose payload it cannot read). */
export function rawMapped(e: UnleashEvent): Mapped {
  const known = e.type in EVENT_HANDLERS;
  return {
    action: rawAction(e.type),
    env: nameOrNull(e.environment),
    before: e.preData,
    after: e.data,
    what: known ? `${e.type} with a payload the mirror cannot read (kept raw)` : `${e.type} (kept raw)`,
  };
}

/** Maps one event with the flag's record so far: the leaf draft and the flag's record after (if it changed). */
export function mapEvent(state: MirrorState, e: UnleashEvent): { draft: LeafDraft; mapped: Mapped } {
  const handler = EVENT_HANDLERS[e.type];
  const key = nameOrNull(e.featureName);
  const input = {
    event: e,
    flag: key === null ? undefined : state.flags[key],
    projectEnvironments: state.projectEnvironments,
  };
  const mapped = handler?.(input) ?? rawMapped(e);
  const refs: Record<string, string> = {
    unleash_event: String(e.id),
    unleash_type: e.type,
    unleash_sha256: eventDigest(e),
    ...(e.project !== null && e.project !== '' ? { unleash_project: e.project } : {}),
    ...mapped.refs,
  };
  const draft: LeafDraft = {
    ts: e.createdAt,
    actor: actorOf(e),
    action: mapped.action,
    flag: mapped.flag?.key ?? key,
    env: mapped.env,
    before: mapped.before as JsonValue,
    after: mapped.after as JsonValue,
    reason: `Unleash: ${mapped.what}`,
    refs,
  };
  return { draft, mapped };
}

/** Maps `e` and advances `state` (the flag's record is replaced, never mutated); returns the leaf draft. */
export function applyEvent(state: MirrorState, e: UnleashEvent): LeafDraft {
  const { draft, mapped } = mapEvent(state, e);
  if (mapped.flag !== undefined && draft.flag !== null) state.flags[draft.flag] = mapped.flag;
  return draft;
}
