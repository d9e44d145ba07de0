/**
 * Unleash's flag configuration as the mapping reads it out of event payloads and API answers: strategies with their
 * parameters, constraints, segments and variants, and environment variants. Parsing is lenient about extra fields and
 * strict about the ones the mapping uses; anything unreadable is null, never guessed.
 */
import type { JsonValue } from '../../../shared/ledger/leaf.ts';

/** One strategy constraint (all of a strategy's constraints must match). */
export interface UnleashConstraint {
  contextName: string;
  operator: string;
  values: string[];
  value: string | null;
  inverted: boolean;
  caseInsensitive: boolean;
}

/** One weighted variant (weights are out of 1000). */
export interface UnleashVariant {
  name: string;
  weight: number;
  stickiness: string | null;
  payload: JsonValue;
}

/** One activation strategy of a flag in one environment. */
export interface UnleashStrategy {
  id: string;
  name: string;
  title: string | null;
  disabled: boolean;
  sortOrder: number;
  parameters: Record<string, string>;
  constraints: UnleashConstraint[];
  segments: number[];
  variants: UnleashVariant[];
}

type Rec = { [key: string]: JsonValue };

/** True for a JSON object. */
export function isRec(v: JsonValue | undefined): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: JsonValue | undefined): string | null {
  return typeof v === 'string' ? v : null;
}

function scalarText(v: JsonValue | undefined): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

function parameters(v: JsonValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRec(v)) return out;
  for (const [k, x] of Object.entries(v)) {
    const t = scalarText(x);
    if (t !== null) out[k] = t;
  }
  return out;
}

/** Parses a constraint; null when it has no context name or operator. */
export function parseConstraint(v: JsonValue): UnleashConstraint | null {
  if (!isRec(v)) return null;
  const contextName = str(v['contextName']);
  const operator = str(v['operator']);
  if (contextName === null || operator === null) return null;
  const values = Array.isArray(v['values']) ? v['values'].map(scalarText).filter((x): x is string => x !== null) : [];
  return {
    contextName,
    operator,
    values,
    value: scalarText(v['value']),
    inverted: v['inverted'] === true,
    caseInsensitive: v['caseInsensitive'] === true,
  };
}

/** Parses a variant; null without a name. */
export function parseVariant(v: JsonValue): UnleashVariant | null {
  if (!isRec(v)) return null;
  const name = str(v['name']);
  if (name === null) return null;
  const weight = typeof v['weight'] === 'number' && Number.isFinite(v['weight']) ? v['weight'] : 0;
  return { name, weight, stickiness: str(v['stickiness']), payload: v['payload'] ?? null };
}

/** Parses a variant list (unreadable items dropped). */
export function parseVariants(v: JsonValue | undefined): UnleashVariant[] {
  if (!Array.isArray(v)) return [];
  return v.map(parseVariant).filter((x): x is UnleashVariant => x !== null);
}

/** Parses a strategy; null without an id and a name. */
export function parseStrategy(v: JsonValue | undefined): UnleashStrategy | null {
  if (!isRec(v)) return null;
  const id = str(v['id']);
  const name = str(v['name']);
  if (id === null || name === null) return null;
  const constraints = Array.isArray(v['constraints']) ? v['constraints'].map(parseConstraint) : [];
  const segments = Array.isArray(v['segments']) ? v['segments'] : [];
  return {
    id,
    name,
    title: str(v['title']),
    disabled: v['disabled'] === true,
    sortOrder: typeof v['sortOrder'] === 'number' ? v['sortOrder'] : 0,
    parameters: parameters(v['parameters']),
    constraints: constraints.filter((c): c is UnleashConstraint => c !== null),
    segments: segments.filter((s): s is number => typeof s === 'number'),
    variants: parseVariants(v['variants']),
  };
}

/** Strategies in evaluation order (sortOrder, then id). */
export function sortStrategies(list: readonly UnleashStrategy[]): UnleashStrategy[] {
  return [...list].sort((a, b) => a.sortOrder - b.sortOrder || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
