/** Per-environment flag state (the change users feel) and its validation. */
import canonicalize from 'canonicalize';
import type { JsonValue } from '../../shared/ledger/index.ts';
import { RULE_OPS, type EnvPatch, type EnvState } from '../../shared/protocol/index.ts';
import { arr, bool, type Check, int, obj, oneOf, optional, str } from '../../shared/validation/schema.ts';

/** Dot-notation flag key `team.domain.purpose`. */
export const FLAG_KEY_RE = /^[a-z][a-z0-9-]{0,39}\.[a-z][a-z0-9-]{0,39}\.[a-z][a-z0-9_-]{0,59}$/;
const NAME_RE = /^[a-z][a-z0-9_-]{0,39}$/;

/** Validates a flag key value. */
export const flagKeyCheck: Check<string> = str({
  max: 142,
  pattern: FLAG_KEY_RE,
  what: 'a dot-notation key team.domain.purpose (lowercase)',
});
const variationCheck = str({ min: 1, max: 40, pattern: NAME_RE, what: 'a lowercase identifier' });

const ruleCheck = obj({
  attribute: str({ min: 1, max: 64, pattern: /^[A-Za-z][A-Za-z0-9_.-]*$/, what: 'an attribute name' }),
  op: oneOf(RULE_OPS),
  values: arr(str({ max: 200 }), 100),
  variation: variationCheck,
});

/** Schema of a partial EnvState in request bodies. */
export const envPatchShape = {
  enabled: optional(bool()),
  rollout_pct: optional(int(0, 100)),
  variation: optional(variationCheck),
  rules: optional(arr(ruleCheck, 50)),
  prerequisites: optional(arr(flagKeyCheck, 20)),
};

/** Schema of a full EnvState. */
export const envStateCheck: Check<EnvState> = obj({
  enabled: bool(),
  rollout_pct: int(0, 100),
  variation: variationCheck,
  rules: arr(ruleCheck, 50),
  prerequisites: arr(flagKeyCheck, 20),
});

/** The state of an environment nobody has touched: off, 0 %, serving "on" when enabled. */
export function defaultEnvState(): EnvState {
  return { enabled: false, rollout_pct: 0, variation: 'on', rules: [], prerequisites: [] };
}

/** Applies a partial update (fields absent from the patch keep their value). */
export function applyPatch(state: EnvState, patch: EnvPatch): EnvState {
  const next: EnvState = { ...state };
  if (patch.enabled !== undefined) next.enabled = patch.enabled;
  if (patch.rollout_pct !== undefined) next.rollout_pct = patch.rollout_pct;
  if (patch.variation !== undefined) next.variation = patch.variation;
  if (patch.rules !== undefined) next.rules = patch.rules;
  if (patch.prerequisites !== undefined) next.prerequisites = [...new Set(patch.prerequisites)];
  return next;
}

/** Canonical text of any JSON value (for equality and hashing). */
export function canonicalText(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value is not JSON');
  return text;
}

/** True when two states are identical. */
export function sameState(a: JsonValue | EnvState, b: JsonValue | EnvState): boolean {
  return canonicalText(a) === canonicalText(b);
}

/**
 * True when `after` serves no user that `before` does not: it is disabled, or it serves the same variation with the
 * same rules to at most the same percentage, behind at least the same prerequisites. Kills and rollbacks that
 * narrow like this are what a single responder may do on a HIGH flag; anything else follows the update rule.
 */
export function servesNoMoreThan(before: EnvState, after: EnvState): boolean {
  if (!after.enabled) return true;
  return (
    before.enabled &&
    after.rollout_pct <= before.rollout_pct &&
    after.variation === before.variation &&
    canonicalText(after.rules) === canonicalText(before.rules) &&
    before.prerequisites.every((p) => after.prerequisites.includes(p))
  );
}

/** The EnvState as a ledger JSON value. */
export function stateJson(state: EnvState): JsonValue {
  return state as unknown as JsonValue;
}

/** Parses an EnvState stored by this server. */
export function parseState(text: string): EnvState {
  return JSON.parse(text) as EnvState;
}
