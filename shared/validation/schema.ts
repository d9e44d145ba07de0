/**
 * The one set of validation combinators, for untrusted input anywhere: IPC arguments in main (mapped to an
 * E_INVALID_ARGUMENT Result by shared/ipc/validate.ts) and request bodies in the control plane (mapped to 400
 * INVALID_BODY / UNKNOWN_FIELD with `field` by control-plane/http/errors.ts). A check returns the typed value or throws
 * a SchemaError naming the field and why; objects refuse unknown fields.
 */
import { visibleLength, visibleShortfall } from '../text/visible-text.ts';

/** Why a value was refused: a field with a wrong value, or a field the schema does not know. */
export type SchemaErrorKind = 'invalid' | 'unknown_field';

/** Thrown by a check: `field` is the path of the offending value (`body.rules[0].op`), `reason` says why. */
export class SchemaError extends Error {
  readonly field: string;
  readonly reason: string;
  readonly kind: SchemaErrorKind;

  constructor(field: string, reason: string, kind: SchemaErrorKind = 'invalid') {
    super(`${field} ${reason}`);
    this.name = 'SchemaError';
    this.field = field;
    this.reason = reason;
    this.kind = kind;
  }
}

/** Validates `value` found at `path` and returns it typed, or throws a SchemaError. */
export type Check<T> = (value: unknown, path: string) => T;

/** The type a check produces. */
export type Checked<C> = C extends Check<infer T> ? T : never;

type Shape = Record<string, Check<unknown>>;
type Out<S extends Shape> = { [K in keyof S]: Checked<S[K]> };

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string with optional length bounds and a pattern; `what` completes "must be …" when the pattern fails. */
export function str(opts: { min?: number; max?: number; pattern?: RegExp; what?: string } = {}): Check<string> {
  const { min = 0, max = 1000, pattern, what } = opts;
  return (v, path) => {
    if (typeof v !== 'string') throw new SchemaError(path, 'must be a string');
    if (v.length < min)
      throw new SchemaError(path, min === 1 ? 'must not be empty' : `must be at least ${min} characters`);
    if (v.length > max) throw new SchemaError(path, `must be at most ${max} characters`);
    if (pattern && !pattern.test(v)) throw new SchemaError(path, `must be ${what ?? `in the form ${pattern.source}`}`);
    return v;
  };
}

/**
 * Free text a person must write (reason, justification, comment, title): at most `max` UTF-16 units, and at least
 * `min` visible characters (shared/text/visible-text.ts: white space and invisible characters do not count). With
 * `what` the refusal names what is expected and how many characters are missing; without, how many there are.
 */
export function text(min: number, max = 1000, what?: string): Check<string> {
  const bounded = str({ max });
  return (v, path) => {
    const s = bounded(v, path);
    if (what !== undefined) {
      const missing = visibleShortfall(s, min);
      if (missing > 0) {
        const chars = missing === 1 ? 'character' : 'characters';
        throw new SchemaError(
          path,
          `must be ${what}: ${missing} more visible ${chars} needed (spaces and invisible characters do not count)`,
        );
      }
      return s;
    }
    const n = visibleLength(s);
    if (n < min)
      throw new SchemaError(
        path,
        `must have at least ${min} visible characters (has ${n}); spaces and invisible characters do not count`,
      );
    return s;
  };
}

const LONE_SURROGATE = /\p{Cs}/u;

function escapeLone(s: string): string {
  return s.replace(/\p{Cs}/gu, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/**
 * The JSON path of the first string — value or object key, in document order — that holds a lone UTF-16 surrogate
 * (JSON allows `"\ud800"`, but such text is not Unicode and cannot be canonicalised into the ledger), or null. The
 * offending key is written with the surrogate escaped (`body.\ud800x`). Iterative, so any nesting depth is fine.
 */
export function firstLoneSurrogate(value: unknown, root: string): string | null {
  // Each item is a value and its path; an object member also carries its key, checked just before its value.
  const stack: { value: unknown; path: string; key?: string; parent?: string }[] = [{ value, path: root }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value: v, path, key, parent } = item;
    if (key !== undefined && LONE_SURROGATE.test(key)) return `${parent ?? root}.${escapeLone(key)}`;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${path}[${i}]` });
    } else if (isRecord(v)) {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i] as string;
        stack.push({ value: v[k], path: `${path}.${k}`, key: k, parent: path });
      }
    }
  }
  return null;
}

/** A safe integer within [min, max]. */
export function int(min: number, max: number): Check<number> {
  return (v, path) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
      throw new SchemaError(path, `must be a whole number from ${min} to ${max}`);
    return v;
  };
}

/** A finite number within [min, max]. */
export function num(min: number, max: number): Check<number> {
  return (v, path) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
      throw new SchemaError(path, `must be a number from ${min} to ${max}`);
    return v;
  };
}

/** A boolean. */
export function bool(): Check<boolean> {
  return (v, path) => {
    if (typeof v !== 'boolean') throw new SchemaError(path, 'must be true or false');
    return v;
  };
}

/** One of the listed literal values. */
export function oneOf<const T extends readonly (string | number)[]>(values: T): Check<T[number]> {
  return (v, path) => {
    if (!values.includes(v as T[number])) throw new SchemaError(path, `must be one of ${values.join(', ')}`);
    return v as T[number];
  };
}

/** An array of at most `max` items, each checked. */
export function arr<T>(item: Check<T>, max: number): Check<T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) throw new SchemaError(path, 'must be a list');
    if (v.length > max) throw new SchemaError(path, `may hold at most ${max} items`);
    return v.map((x, i) => item(x, `${path}[${i}]`));
  };
}

/** Allows the field to be absent (undefined). */
export function optional<T>(check: Check<T>): Check<T | undefined> {
  return (v, path) => (v === undefined ? undefined : check(v, path));
}

/** Allows JSON null. */
export function nullable<T>(check: Check<T>): Check<T | null> {
  return (v, path) => (v === null ? null : check(v, path));
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 timestamp with at most millisecond precision; returns epoch milliseconds. */
export function timestamp(): Check<number> {
  return (v, path) => {
    if (typeof v !== 'string' || !RFC3339.test(v))
      throw new SchemaError(path, 'must be an RFC 3339 timestamp such as 2026-11-25T03:12:45.123Z');
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) throw new SchemaError(path, 'is not a real calendar time');
    return ms;
  };
}

/** An RFC 3339 timestamp kept as text (fractions up to nanoseconds), e.g. 2026-11-25T03:12:45.123Z. */
export const timestampText: Check<string> = str({
  max: 40,
  pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/,
  what: 'an RFC 3339 time like 2026-11-25T03:12:45.123Z',
});

/** An object mapping keys matching `keyPattern` to checked values. */
export function record<T>(keyPattern: RegExp, value: Check<T>, max: number): Check<Record<string, T>> {
  return (v, path) => {
    if (!isRecord(v)) throw new SchemaError(path, 'must be an object');
    const keys = Object.keys(v);
    if (keys.length > max) throw new SchemaError(path, `may hold at most ${max} keys`);
    const out: Record<string, T> = {};
    for (const k of keys) {
      if (!keyPattern.test(k)) throw new SchemaError(`${path}.${k}`, 'is not an allowed key');
      out[k] = value(v[k], `${path}.${k}`);
    }
    return out;
  };
}

function checkField(check: Check<unknown>, value: unknown, path: string): unknown {
  try {
    return check(value, path);
  } catch (err) {
    if (value === undefined && err instanceof SchemaError && err.kind === 'invalid' && err.field === path)
      throw new SchemaError(path, 'is required');
    throw err;
  }
}

/** A strict object: exactly these fields; an unknown one is refused (kind `unknown_field`), a missing one required. */
export function obj<S extends Shape>(shape: S): Check<Out<S>> {
  return (v, path) => {
    if (!isRecord(v)) throw new SchemaError(path, 'must be an object');
    for (const k of Object.keys(v)) {
      if (!Object.hasOwn(shape, k))
        throw new SchemaError(`${path}.${k}`, 'is not a known field; remove it', 'unknown_field');
    }
    const out: Record<string, unknown> = {};
    for (const [k, check] of Object.entries(shape)) {
      const value = checkField(check, v[k], `${path}.${k}`);
      if (value !== undefined) out[k] = value;
    }
    return out as Out<S>;
  };
}

/** Picks `a` when the object carries field `key`, `b` otherwise (so errors name the right fields). */
export function byKey<A, B>(key: string, a: Check<A>, b: Check<B>): Check<A | B> {
  return (v, path) => (isRecord(v) && key in v ? a(v, path) : b(v, path));
}
