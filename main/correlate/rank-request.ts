/**
 * The argument of a ranking request from the renderer (`correlation:rank` → `correlation:ranked`), validated in main
 * because the renderer is untrusted: `{incident_id}` for an incident in the replica, or `{at, service?}` for a time a
 * responder typed in; optional `environment`, `window_seconds`, `limit`, and `telemetry`.
 */
import { parseInstant, resolveOptions, type Telemetry } from '../../shared/correlate/index.ts';
import { CorrelateInputError } from './errors.ts';
import type { ReplicaRankRequest } from './replica-rank.ts';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(what: string): never {
  throw new CorrelateInputError('E_INPUT', `ranking request: ${what}.`);
}

function optionalString(o: Record<string, unknown>, key: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length === 0 || v.length > 256)
    bad(`"${key}" must be a non-empty string of at most 256 characters`);
  return v;
}

function optionalNumber(o: Record<string, unknown>, key: string): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(`"${key}" must be a number`);
  return v;
}

function query(o: Record<string, unknown>): ReplicaRankRequest['query'] {
  const id = optionalString(o, 'incident_id');
  const at = optionalString(o, 'at');
  if ((id === null) === (at === null)) bad('give exactly one of "incident_id" and "at"');
  if (id !== null) return { kind: 'incident', id };
  try {
    parseInstant(at!);
  } catch {
    bad('"at" must be an RFC 3339 time');
  }
  return { kind: 'at', at: at! };
}

/** Validates an untrusted ranking request; throws E_INPUT saying which field is wrong (options are range-checked). */
export function parseRankRequest(args: unknown, telemetry: Telemetry | null = null): ReplicaRankRequest {
  if (!isRecord(args)) bad('must be an object');
  const known = ['incident_id', 'at', 'service', 'environment', 'window_seconds', 'limit'];
  const extra = Object.keys(args).find((k) => !known.includes(k));
  if (extra !== undefined) bad(`unknown field "${extra}"`);
  const options = { windowSeconds: optionalNumber(args, 'window_seconds'), limit: optionalNumber(args, 'limit') };
  try {
    resolveOptions(options);
  } catch (err) {
    bad(err instanceof Error ? err.message.replace(/^BAD_OPTION: /, '').replace(/\.$/, '') : 'bad options');
  }
  return {
    query: query(args),
    service: optionalString(args, 'service'),
    environment: optionalString(args, 'environment'),
    options,
    telemetry,
  };
}
