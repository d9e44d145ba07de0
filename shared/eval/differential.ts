/**
 * Differential check of an SDK config against another evaluator of its flagd export (tests and the benchmark use it
 * with `@openfeature/flagd-core`): random contexts built from the attributes and values the rules use.
 */
import type { JsonValue } from '../ledger/index.ts';
import type { SdkConfig } from '../protocol/sdk.ts';
import type { EvalContext } from './evaluate.ts';
import { Evaluator } from './evaluate.ts';

/** A seeded xorshift32 generator (deterministic test data). */
export function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

const ALPHABETS = ['abcdefghijklmnopqrstuvwxyz0123456789-', 'äöüßéèçñ', 'ΩπΣλ', '吉星高照日本', '🚀🦎😀'];

function setPath(ctx: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = ctx;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (next === null || typeof next !== 'object') cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1] as string] = value;
}

/** `count` contexts: targeting keys (ASCII and non-ASCII, some missing) plus rule attributes near their values. */
export function randomContexts(config: SdkConfig, count: number, seed: number): EvalContext[] {
  const rnd = xorshift(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const attrs = new Map<string, string[]>();
  for (const f of config.flags)
    for (const r of f.rules) attrs.set(r.attribute, [...(attrs.get(r.attribute) ?? []), ...r.values]);
  const word = (): string => {
    const alphabet = [...pick(ALPHABETS)];
    let s = '';
    const n = 1 + Math.floor(rnd() * 12);
    for (let i = 0; i < n; i++) s += pick(alphabet);
    return s;
  };
  const out: EvalContext[] = [];
  for (let i = 0; i < count; i++) {
    const ctx: Record<string, unknown> = {};
    const t = rnd();
    if (t < 0.9) ctx['targetingKey'] = t < 0.6 ? `user-${Math.floor(rnd() * 1e9)}` : word();
    else if (t < 0.95) ctx['targetingKey'] = '';
    for (const [attr, values] of attrs) {
      const r = rnd();
      if (r < 0.3) continue;
      const v = values.length > 0 ? pick(values) : word();
      setPath(ctx, attr, r < 0.6 ? v : r < 0.7 ? `${word()}${v}` : r < 0.8 ? `${v}${word()}` : word());
    }
    out.push(ctx);
  }
  return out;
}

/** One disagreement. */
export interface Mismatch {
  flag: string;
  context: EvalContext;
  ours: { value: JsonValue; variant: string | undefined };
  theirs: { value: unknown; variant: string | undefined };
}

/** Evaluates every flag for every context with both and returns the disagreements on value or variant. */
export function differential(
  config: SdkConfig,
  contexts: readonly EvalContext[],
  theirs: (ctx: EvalContext) => Map<string, { value: unknown; variant: string | undefined }>,
  hash?: (text: string) => number,
): { evaluations: number; mismatches: Mismatch[] } {
  const ev = new Evaluator(config, hash === undefined ? {} : { hash });
  const mismatches: Mismatch[] = [];
  let evaluations = 0;
  for (const ctx of contexts) {
    const other = theirs(ctx);
    for (const f of config.flags) {
      evaluations++;
      const r = ev.evaluate(f.key, ctx, null);
      const t = other.get(f.key) ?? { value: undefined, variant: undefined };
      if (JSON.stringify(r.value) !== JSON.stringify(t.value) || r.variant !== t.variant) {
        mismatches.push({ flag: f.key, context: ctx, ours: { value: r.value, variant: r.variant }, theirs: t });
      }
    }
  }
  return { evaluations, mismatches };
}
