/**
 * Tiny validation combinators for untrusted IPC arguments: each check returns the typed value or
 * throws a SchemaError naming the path, and objects reject unknown keys.
 */

import { visibleShortfall } from '../text/visible-text.ts';

/** Thrown by a check; the message names the offending field. */
export class SchemaError extends Error {}

/** A check turns unknown input into T or throws SchemaError. */
export type Check<T> = (value: unknown, path: string) => T;

/** A string, optionally bounded in length and matched against a pattern. */
export function str(opts: { min?: number; max?: number; pattern?: RegExp; what?: string } = {}): Check<string> {
  const { min = 0, max = 4096, pattern, what } = opts;
  return (v, path) => {
    if (typeof v !== 'string') throw new SchemaError(`${path} must be text`);
    if (v.length < min)
      throw new SchemaError(min === 1 ? `${path} must not be empty` : `${path} must be at least ${min} characters`);
    if (v.length > max) throw new SchemaError(`${path} must be at most ${max} characters`);
    if (pattern && !pattern.test(v))
      throw new SchemaError(`${path} must be ${what ?? `in the form ${pattern.source}`}`);
    return v;
  };
}

/**
 * Text a person must write (a reason, a justification): at most `max` characters, and at least `min` visible ones —
 * white space and invisible characters do not count (shared/text/visible-text.ts, as in the control plane).
 */
export function text(opts: { min: number; max: number; what: string }): Check<string> {
  const bounded = str({ max: opts.max });
  return (v, path) => {
    const s = bounded(v, path);
    const missing = visibleShortfall(s, opts.min);
    if (missing > 0)
      throw new SchemaError(
        `${path} must be ${opts.what}: ${missing} more visible character${missing === 1 ? '' : 's'} needed (spaces and invisible characters do not count)`,
      );
    return s;
  };
}

/** An integer within [min, max]. */
export function int(min: number, max: number): Check<number> {
  return (v, path) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
      throw new SchemaError(`${path} must be a whole number from ${min} to ${max}`);
    return v;
  };
}

/** A boolean. */
export const bool: Check<boolean> = (v, path) => {
  if (typeof v !== 'boolean') throw new SchemaError(`${path} must be true or false`);
  return v;
};

/** One of the listed literal values. */
export function oneOf<const T extends readonly (string | number)[]>(values: T): Check<T[number]> {
  return (v, path) => {
    if (!values.includes(v as T[number])) throw new SchemaError(`${path} must be one of ${values.join(', ')}`);
    return v as T[number];
  };
}

/** An array of at most `max` items, each checked. */
export function arrayOf<T>(item: Check<T>, max: number): Check<T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) throw new SchemaError(`${path} must be a list`);
    if (v.length > max) throw new SchemaError(`${path} may hold at most ${max} items`);
    return v.map((x, i) => item(x, `${path}[${i}]`));
  };
}

/** Marks a field optional (absent or undefined). */
export function optional<T>(check: Check<T>): Check<T | undefined> & { optional: true } {
  const f = ((v: unknown, path: string) => (v === undefined ? undefined : check(v, path))) as Check<T | undefined> & {
    optional: true;
  };
  f.optional = true;
  return f;
}

type Shape = Record<string, Check<unknown>>;
type Out<S extends Shape> = { [K in keyof S]: S[K] extends Check<infer T> ? T : never };

/** A plain object with exactly these fields (unknown fields are refused). */
export function obj<S extends Shape>(shape: S): Check<Out<S>> {
  return (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SchemaError(`${path} must be an object`);
    const rec = v as Record<string, unknown>;
    for (const key of Object.keys(rec))
      if (!(key in shape)) throw new SchemaError(`${path}.${key} is not a known field`);
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      const value = check(rec[key], `${path}.${key}`);
      if (value !== undefined) out[key] = value;
    }
    return out as Out<S>;
  };
}

/** Picks `a` when the object carries field `key`, `b` otherwise (so errors name the right fields). */
export function byKey<A, B>(key: string, a: Check<A>, b: Check<B>): Check<A | B> {
  return (v, path) => (typeof v === 'object' && v !== null && key in v ? a(v, path) : b(v, path));
}

/** An RFC 3339 UTC timestamp such as 2026-11-25T03:12:45.123Z. */
export const timestamp = str({
  max: 40,
  pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/,
  what: 'an RFC 3339 time like 2026-11-25T03:12:45.123Z',
});

/** An http(s) URL. */
export const httpUrl = str({ max: 2048, pattern: /^https?:\/\/[^\s/?#]+(:\d+)?(\/[^\s]*)?$/, what: 'an http(s) URL' });

/** A flag key `team.domain.purpose` (dot-separated lowercase segments). */
export const flagKey = str({
  max: 200,
  pattern: /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$/,
  what: 'a flag key like team.domain.purpose',
});
