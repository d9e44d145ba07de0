/**
 * The evaluation pipeline, compiled once per config version into closures so that evaluating a flag allocates only its
 * result. Five gates in order: (1) the key exists and is not tombstoned; (2) prerequisites, depth-first, cycle-safe;
 * (3) targeting rules, first match wins; (4) rollout by consistent hashing (flagd `fractional`); (5) the circuit
 * breaker: an open breaker serves the flag's safe default. Pure: no I/O, no clock, never throws while evaluating.
 */
import type { JsonValue } from '../ledger/index.ts';
import type { SdkConfig, SdkFlag, SdkRule } from '../protocol/sdk.ts';
import { SDK_RULE_OPS } from '../protocol/sdk.ts';
import { bucketOf, murmur3Utf8Pair } from './murmur3.ts';

/** OpenFeature resolution reasons this evaluator returns. */
export type EvalReason = 'STATIC' | 'TARGETING_MATCH' | 'SPLIT' | 'DISABLED' | 'DEFAULT' | 'ERROR';

/** OpenFeature error codes this evaluator returns (with reason ERROR). */
export type EvalErrorCode = 'FLAG_NOT_FOUND' | 'GENERAL';

/** An OpenFeature evaluation context: `targetingKey` plus any attributes (dotted rule attributes walk objects). */
export type EvalContext = Readonly<Record<string, unknown>>;

/** The outcome of one evaluation. */
export interface EvalResult {
  value: JsonValue;
  /** The variant served; undefined when the caller's default was returned. */
  variant: string | undefined;
  reason: EvalReason;
  errorCode?: EvalErrorCode;
  /** Why, in a sentence, when the reason alone does not say it (errors, missing targeting key, failed prerequisite). */
  message?: string;
  /** Config version used. */
  version: number;
}

/** A config the evaluator cannot use (unknown operator, missing variant …); the previous config stays in force. */
export class ConfigError extends Error {
  readonly code = 'E_SDK_CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The variant a disabled, out-of-rollout or gated context gets. */
export const OFF = 'off';

type Matcher = (ctx: EvalContext) => boolean;

interface Compiled {
  key: string;
  enabled: boolean;
  pct: number;
  variation: string;
  rules: { match: Matcher; variation: string }[];
  prereqs: string[];
  variants: Record<string, JsonValue>;
  offValue: JsonValue;
  /** Rules and prerequisites empty and the rollout 0 or 100: the value does not depend on the context. */
  constant: boolean;
}

const hasOwn = Object.prototype.hasOwnProperty;

function lookup(path: readonly string[]): (ctx: EvalContext) => unknown {
  if (path.length === 1) {
    const k = path[0] as string;
    return (ctx) => (hasOwn.call(ctx, k) ? ctx[k] : undefined);
  }
  return (ctx) => {
    let cur: unknown = ctx;
    for (const k of path) {
      if (cur === null || typeof cur !== 'object' || !hasOwn.call(cur, k)) return undefined;
      cur = (cur as Record<string, unknown>)[k];
    }
    return cur;
  };
}

function compileRule(flag: string, rule: SdkRule): Matcher {
  const get = lookup(rule.attribute.split('.'));
  const values = [...rule.values];
  switch (rule.op) {
    case 'in': {
      const set = new Set(values);
      return (ctx) => {
        const v = get(ctx);
        return typeof v === 'string' && set.has(v);
      };
    }
    case 'not_in': {
      const set = new Set(values);
      return (ctx) => {
        const v = get(ctx);
        return !(typeof v === 'string' && set.has(v));
      };
    }
    case 'starts_with':
      return (ctx) => {
        const v = get(ctx);
        if (typeof v !== 'string') return false;
        for (let i = 0; i < values.length; i++) if (v.startsWith(values[i] as string)) return true;
        return false;
      };
    case 'ends_with':
      return (ctx) => {
        const v = get(ctx);
        if (typeof v !== 'string') return false;
        for (let i = 0; i < values.length; i++) if (v.endsWith(values[i] as string)) return true;
        return false;
      };
    case 'contains':
      return (ctx) => {
        const v = get(ctx);
        if (typeof v !== 'string') return false;
        for (let i = 0; i < values.length; i++) if (v.includes(values[i] as string)) return true;
        return false;
      };
    default:
      throw new ConfigError(
        `flag ${flag}: unknown rule operator ${JSON.stringify((rule as { op: unknown }).op)} (this SDK knows ${SDK_RULE_OPS.join(', ')}); update the SDK`,
      );
  }
}

function compileFlag(f: SdkFlag): Compiled {
  if (typeof f.key !== 'string' || f.key === '') throw new ConfigError('a flag has no key');
  if (f.variants === null || typeof f.variants !== 'object' || !hasOwn.call(f.variants, OFF)) {
    throw new ConfigError(`flag ${f.key}: variants must include "${OFF}"`);
  }
  const need = (variant: unknown): string => {
    if (typeof variant !== 'string' || !hasOwn.call(f.variants, variant)) {
      throw new ConfigError(`flag ${f.key}: variant ${JSON.stringify(variant)} is not one of its variants`);
    }
    return variant;
  };
  const open = f.breaker === 'open';
  const enabled = open ? f.safe_default.enabled : f.enabled;
  const pct = open ? f.safe_default.rollout_pct : f.rollout_pct;
  if (!Number.isInteger(pct) || pct < 0 || pct > 100) throw new ConfigError(`flag ${f.key}: rollout_pct ${pct}`);
  if (!Array.isArray(f.rules) || !Array.isArray(f.prerequisites)) {
    throw new ConfigError(`flag ${f.key}: rules and prerequisites must be arrays`);
  }
  const rules = f.rules.map((r) => ({ match: compileRule(f.key, r), variation: need(r.variation) }));
  return {
    key: f.key,
    enabled,
    pct,
    variation: need(f.variation),
    rules,
    prereqs: f.prerequisites.map((p) => String(p)),
    variants: f.variants,
    offValue: f.variants[OFF] as JsonValue,
    constant: rules.length === 0 && f.prerequisites.length === 0 && (pct === 0 || pct === 100),
  };
}

const COMPILED = new WeakMap<SdkFlag, Compiled>();

/** The effective state of a flag (the breaker gate applied): what the flagd export and the console show. */
export function effectiveState(f: SdkFlag): { enabled: boolean; rollout_pct: number } {
  return f.breaker === 'open'
    ? { enabled: f.safe_default.enabled, rollout_pct: f.safe_default.rollout_pct }
    : { enabled: f.enabled, rollout_pct: f.rollout_pct };
}

/** Flag evaluation over one config version (advanced in place by `apply`, which checks everything first). */
export class Evaluator {
  private ver: number;
  readonly environment: string;
  private readonly flags = new Map<string, Compiled>();
  private readonly tombstoned: Set<string>;
  private readonly stack: Compiled[] = [];
  private readonly hash: ((text: string) => number) | null;

  /**
   * Compiles a config; throws ConfigError when it cannot be used as a whole. `hash` replaces MurmurHash3 over UTF-8
   * (only to reproduce another implementation's bucketing in tests).
   */
  constructor(config: SdkConfig, options: { hash?: (text: string) => number } = {}) {
    this.hash = options.hash ?? null;
    if (!Number.isInteger(config.version) || config.version < 0) throw new ConfigError('config version is invalid');
    if (!Array.isArray(config.flags)) throw new ConfigError('config flags must be an array');
    this.ver = config.version;
    this.environment = config.environment;
    for (const f of config.flags) {
      // A delta keeps the objects of unchanged flags: their compiled form is reused, so applying a delta costs only
      // the flags it changes.
      let c = COMPILED.get(f);
      if (c === undefined) {
        c = compileFlag(f);
        COMPILED.set(f, c);
      }
      this.flags.set(f.key, c);
    }
    this.tombstoned = new Set(config.tombstoned ?? []);
  }

  /** The config version evaluations use. */
  get version(): number {
    return this.ver;
  }

  /**
   * Applies a change in place: compiles every upserted flag first (throws ConfigError, changing nothing, when one
   * cannot be used), then swaps them in, removes the archived keys and moves to `version`. Evaluation is synchronous,
   * so no evaluation ever sees half a change.
   */
  apply(version: number, upserts: readonly SdkFlag[], tombstoned: readonly string[]): void {
    if (!Number.isInteger(version) || version < this.ver)
      throw new ConfigError(`version ${version} is older than ${this.ver}`);
    const compiled = upserts.map((f) => {
      let c = COMPILED.get(f);
      if (c === undefined) {
        c = compileFlag(f);
        COMPILED.set(f, c);
      }
      return c;
    });
    for (const c of compiled) this.flags.set(c.key, c);
    for (const k of tombstoned) {
      this.flags.delete(k);
      this.tombstoned.add(k);
    }
    this.ver = version;
  }

  /** Keys of the live flags. */
  keys(): string[] {
    return [...this.flags.keys()];
  }

  /** True when the flag exists (live) in this config. */
  has(key: string): boolean {
    return this.flags.has(key);
  }

  /** Evaluates one flag; unknown or tombstoned keys give `defaultValue` with ERROR / FLAG_NOT_FOUND. */
  evaluate(key: string, context: EvalContext, defaultValue: JsonValue): EvalResult {
    const f = this.flags.get(key);
    if (f === undefined) {
      return {
        value: defaultValue,
        variant: undefined,
        reason: 'ERROR',
        errorCode: 'FLAG_NOT_FOUND',
        message: this.tombstoned.has(key)
          ? `flag ${key} was archived (tombstoned); remove it from the code`
          : `flag ${key} does not exist in ${this.environment} (config version ${this.version})`,
        version: this.version,
      };
    }
    return this.run(f, context);
  }

  private run(f: Compiled, ctx: EvalContext): EvalResult {
    if (!f.enabled) return this.result(f, OFF, 'DISABLED');
    // Gate 2: prerequisites, depth-first; a flag already on the path (a cycle) counts as off.
    if (f.prereqs.length > 0) {
      this.stack.push(f);
      try {
        for (const p of f.prereqs) {
          if (!this.isOn(p, ctx)) {
            const r = this.result(f, OFF, 'DEFAULT');
            r.message = `prerequisite ${p} is not on for this context`;
            return r;
          }
        }
      } finally {
        this.stack.pop();
      }
    }
    // Gate 3: targeting rules, first match wins.
    for (const rule of f.rules) if (rule.match(ctx)) return this.result(f, rule.variation, 'TARGETING_MATCH');
    // Gate 4: rollout.
    if (f.pct === 100) return this.result(f, f.variation, f.constant ? 'STATIC' : 'DEFAULT');
    if (f.pct === 0) return this.result(f, OFF, f.constant ? 'STATIC' : 'DEFAULT');
    const tk = ctx['targetingKey'];
    if (typeof tk !== 'string' || tk === '') {
      const r = this.result(f, OFF, 'DEFAULT');
      r.message = `no targetingKey in the context: ${f.key} is at ${f.pct}% and needs one to place the user`;
      return r;
    }
    return this.result(
      f,
      bucketOf(this.hash === null ? murmur3Utf8Pair(f.key, tk) : this.hash(f.key + tk), 100) < f.pct
        ? f.variation
        : OFF,
      'SPLIT',
    );
  }

  private isOn(key: string, ctx: EvalContext): boolean {
    const p = this.flags.get(key);
    if (p === undefined || this.stack.includes(p)) return false;
    const r = this.run(p, ctx);
    return r.reason !== 'ERROR' && r.variant !== OFF;
  }

  private result(f: Compiled, variant: string, reason: EvalReason): EvalResult {
    return { value: f.variants[variant] as JsonValue, variant, reason, version: this.version };
  }
}
