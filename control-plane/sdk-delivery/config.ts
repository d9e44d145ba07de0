/** The SDK view of one environment: each live flag's state in that environment, its variants, and its breaker. */
import type { Db } from '../db/db.ts';
import type { JsonValue } from '../../shared/ledger/index.ts';
import type { SdkFlag } from '../../shared/protocol/sdk.ts';
import { stmt } from '../db/stmt.ts';
import { currentState } from '../domain/env-change.ts';
import type { FlagRecord } from '../domain/flag-def.ts';

/** The ledger action of a circuit-breaker rollback (it opens the breaker until a person changes the flag again). */
export const BREAKER_ACTION = 'flag.auto_rolled_back';

/**
 * Variants of a flag: its defined variants, or — for the boolean flags this control plane has — `off: false` and
 * `true` for every variation its states and rules in this environment name.
 */
export function variantsOf(rec: FlagRecord, env: string): Record<string, JsonValue> {
  if (rec.definition.variants !== undefined) return rec.definition.variants;
  const state = currentState(rec, env);
  const variants: Record<string, JsonValue> = { off: false };
  for (const v of [state.variation, ...state.rules.map((r) => r.variation)]) if (v !== 'off') variants[v] = true;
  return variants;
}

/** The SdkFlag of a live flag in an environment. */
export function sdkFlagOf(rec: FlagRecord, env: string, breakerOpen: boolean): SdkFlag {
  const s = currentState(rec, env);
  return {
    key: rec.definition.key,
    enabled: s.enabled,
    rollout_pct: s.rollout_pct,
    variation: s.variation,
    rules: s.rules.map((r) => ({ attribute: r.attribute, op: r.op, values: [...r.values], variation: r.variation })),
    prerequisites: [...s.prerequisites],
    variants: variantsOf(rec, env),
    safe_default: {
      enabled: rec.definition.safe_default.enabled,
      rollout_pct: rec.definition.safe_default.rollout_pct,
    },
    breaker: breakerOpen ? 'open' : 'closed',
  };
}

/** True when a ledger leaf's `after` is an environment state (the entries that change what SDKs serve). */
export function isStateLeaf(after: unknown): boolean {
  return (
    after !== null &&
    typeof after === 'object' &&
    'enabled' in after &&
    'rollout_pct' in after &&
    'variation' in after &&
    'rules' in after &&
    'prerequisites' in after
  );
}

/** Flag+environment pairs whose latest state entry is a breaker rollback (read once at start). */
export function openBreakers(db: Db): Set<string> {
  const rows = stmt(
    db,
    `SELECT flag, env, MAX(idx) AS idx FROM ledger WHERE action = ? AND flag IS NOT NULL AND env IS NOT NULL GROUP BY flag, env`,
  ).all(BREAKER_ACTION) as { flag: string; env: string; idx: number }[];
  const open = new Set<string>();
  for (const r of rows) {
    const later = stmt(db, 'SELECT leaf FROM ledger WHERE flag = ? AND env = ? AND idx > ? ORDER BY idx').all(
      r.flag,
      r.env,
      r.idx,
    ) as { leaf: string }[];
    if (!later.some((l) => isStateLeaf((JSON.parse(l.leaf) as { after?: unknown }).after)))
      open.add(`${r.flag}\n${r.env}`);
  }
  return open;
}

/** The ledger size after the last entry that changed anything in `env` (0 for none). */
export function lastChangeVersion(db: Db, env: string): number {
  const row = stmt(db, 'SELECT MAX(idx) AS idx FROM ledger WHERE flag IS NOT NULL AND (env IS NULL OR env = ?)').get(
    env,
  ) as { idx: number | null };
  return row.idx === null ? 0 : row.idx + 1;
}

/** Keys named by ledger entries from index `from` on that concern `env`. */
export function keysChangedSince(db: Db, env: string, from: number): string[] {
  return stmt(db, 'SELECT DISTINCT flag FROM ledger WHERE idx >= ? AND flag IS NOT NULL AND (env IS NULL OR env = ?)')
    .pluck()
    .all(from, env) as string[];
}
