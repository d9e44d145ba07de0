/**
 * Unleash events as the mirror keeps them: exactly the columns Unleash stores for an event (not the `label` and
 * `summary` its search API derives at read time, which change with its version and settings), parsed strictly, with a
 * SHA-256 digest over their RFC 8785 canonical JSON — the digest a mirrored leaf carries and the re-read compares.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { JsonValue } from '../../../shared/ledger/leaf.ts';

/** One Unleash event, as stored by Unleash. */
export interface UnleashEvent {
  id: number;
  type: string;
  createdBy: string;
  createdByUserId: number | null;
  /** RFC 3339 UTC with milliseconds. */
  createdAt: string;
  data: JsonValue;
  preData: JsonValue;
  tags: JsonValue;
  featureName: string | null;
  project: string | null;
  environment: string | null;
  groupType: string | null;
  groupId: string | null;
}

/** One page of `GET /api/admin/search/events` (newest first, as Unleash sends it). */
export interface EventPage {
  events: UnleashEvent[];
  total: number;
}

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optString(v: unknown): string | null | undefined {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : undefined;
}

function json(v: unknown): JsonValue {
  return v === undefined ? null : (v as JsonValue);
}

function isoTime(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Parses one event of an Unleash answer; returns a sentence saying what is wrong instead when it is not an event. */
export function parseEvent(v: unknown): UnleashEvent | string {
  if (!isRecord(v)) return 'an event is not an object';
  const { id, type, createdBy, createdByUserId } = v;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) return 'an event has no positive integer id';
  if (typeof type !== 'string' || type.length === 0) return `event ${id} has no type`;
  const createdAt = isoTime(v['createdAt']);
  if (createdAt === null) return `event ${id} has no valid createdAt`;
  const by = optString(createdBy);
  if (by === undefined) return `event ${id} has a createdBy that is not a string`;
  if (createdByUserId !== null && createdByUserId !== undefined && typeof createdByUserId !== 'number')
    return `event ${id} has a createdByUserId that is not a number`;
  const strings = ['featureName', 'project', 'environment', 'groupType', 'groupId'].map((k) => optString(v[k]));
  if (strings.some((s) => s === undefined)) return `event ${id} has a name field that is not a string`;
  const [featureName, project, environment, groupType, groupId] = strings as (string | null)[];
  return {
    id,
    type,
    createdBy: by ?? '',
    createdByUserId: typeof createdByUserId === 'number' ? createdByUserId : null,
    createdAt,
    data: json(v['data']),
    preData: json(v['preData']),
    tags: json(v['tags'] ?? []),
    featureName: featureName ?? null,
    project: project ?? null,
    environment: environment ?? null,
    groupType: groupType ?? null,
    groupId: groupId ?? null,
  };
}

/** Parses a search answer `{events, total}`; returns a sentence instead when it is not one. */
export function parseEventPage(body: unknown): EventPage | string {
  if (!isRecord(body) || !Array.isArray(body['events'])) return 'no "events" list';
  const total = body['total'];
  if (typeof total !== 'number' || !Number.isSafeInteger(total) || total < 0) return 'no "total" count';
  const events: UnleashEvent[] = [];
  for (const raw of body['events']) {
    const e = parseEvent(raw);
    if (typeof e === 'string') return e;
    events.push(e);
  }
  return { events, total };
}

/** Hex SHA-256 of the event's canonical JSON: equal digests mean Unleash still stores exactly what we mirrored. */
export function eventDigest(e: UnleashEvent): string {
  const text = canonicalize(e);
  if (text === undefined) throw new TypeError(`event ${e.id} is not JSON`);
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
