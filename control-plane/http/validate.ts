/**
 * A tiny strict validator for request bodies: every object schema rejects unknown fields (400 UNKNOWN_FIELD) and every
 * leaf check says which field failed and why (400 INVALID_BODY). Checks return the typed value.
 */
import { visibleLength } from '../../shared/text/visible-text.ts';
import { HttpError, invalid } from './errors.ts';

/** Validates `value` found at `path` and returns it typed, or throws an HttpError. */
export type Check<T> = (value: unknown, path: string) => T;

/** The type a check produces. */
export type Checked<C> = C extends Check<infer T> ? T : never;

type Shape = Record<string, Check<unknown>>;
type Out<S extends Shape> = { [K in keyof S]: Checked<S[K]> };

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string with optional length bounds and pattern. */
export function str(opts: { min?: number; max?: number; pattern?: RegExp; hint?: string } = {}): Check<string> {
  const { min = 0, max = 1000 } = opts;
  return (v, path) => {
    if (typeof v !== 'string') throw invalid(path, 'expected a string');
    if (v.length < min) throw invalid(path, `must be at least ${min} characters`);
    if (v.length > max) throw invalid(path, `must be at most ${max} characters`);
    if (opts.pattern && !opts.pattern.test(v)) throw invalid(path, opts.hint ?? `must match ${String(opts.pattern)}`);
    return v;
  };
}

/**
 * Free text a person must write (reason, justification, comment, title): at most `max` UTF-16 units, and at least
 * `min` visible characters (shared/text/visible-text.ts: white space and invisible characters do not count).
 */
export function text(min: number, max = 1000): Check<string> {
  const bounded = str({ max });
  return (v, path) => {
    const s = bounded(v, path);
    const n = visibleLength(s);
    if (n < min)
      throw invalid(
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
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalid(path, 'expected an integer');
    if (v < min || v > max) throw invalid(path, `must be between ${min} and ${max}`);
    return v;
  };
}

/** A finite number within [min, max]. */
export function num(min: number, max: number): Check<number> {
  return (v, path) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(path, 'expected a number');
    if (v < min || v > max) throw invalid(path, `must be between ${min} and ${max}`);
    return v;
  };
}

/** A boolean. */
export function bool(): Check<boolean> {
  return (v, path) => {
    if (typeof v !== 'boolean') throw invalid(path, 'expected true or false');
    return v;
  };
}

/** One of the listed string literals. */
export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (v, path) => {
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v))
      throw invalid(path, `must be one of ${values.join(', ')}`);
    return v as T;
  };
}

/** An array of at most `max` items, each checked. */
export function arr<T>(item: Check<T>, max: number): Check<T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) throw invalid(path, 'expected an array');
    if (v.length > max) throw invalid(path, `must have at most ${max} items`);
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

/** An RFC 3339 timestamp string; returns epoch milliseconds. */
export function timestamp(): Check<number> {
  return (v, path) => {
    if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/.test(v)) {
      throw invalid(path, 'expected an RFC 3339 timestamp such as 2026-11-25T03:12:45.123Z');
    }
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) throw invalid(path, 'is not a real calendar time');
    return ms;
  };
}

/** An object mapping keys matching `keyPattern` to checked values. */
export function record<T>(keyPattern: RegExp, value: Check<T>, max: number): Check<Record<string, T>> {
  return (v, path) => {
    if (!isRecord(v)) throw invalid(path, 'expected an object');
    const keys = Object.keys(v);
    if (keys.length > max) throw invalid(path, `must have at most ${max} keys`);
    const out: Record<string, T> = {};
    for (const k of keys) {
      if (!keyPattern.test(k)) throw invalid(`${path}.${k}`, 'is not an allowed key');
      out[k] = value(v[k], `${path}.${k}`);
    }
    return out;
  };
}

function checkField(check: Check<unknown>, value: unknown, path: string): unknown {
  try {
    return check(value, path);
  } catch (err) {
    if (value === undefined && err instanceof HttpError && err.code === 'INVALID_BODY')
      throw invalid(path, 'is required');
    throw err;
  }
}

/** A strict object: unknown fields are rejected with 400 UNKNOWN_FIELD. */
export function obj<S extends Shape>(shape: S): Check<Out<S>> {
  return (v, path) => {
    if (!isRecord(v)) throw invalid(path, 'expected a JSON object');
    for (const k of Object.keys(v)) {
      if (!Object.hasOwn(shape, k)) {
        throw new HttpError(400, 'UNKNOWN_FIELD', `${path}.${k} is not a known field; remove it`, {
          field: `${path}.${k}`,
        });
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, check] of Object.entries(shape)) {
      const value = checkField(check, v[k], `${path}.${k}`);
      if (value !== undefined) out[k] = value;
    }
    return out as Out<S>;
  };
}

/** Runs a body schema at the root path `body`. */
export function parseWith<T>(check: Check<T>, value: unknown): T {
  return check(value, 'body');
}
