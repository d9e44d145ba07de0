/**
 * Flags as the UI shows them: the catalog record folded by shared/correlate (definition, tombstone, prerequisites)
 * plus the current per-environment states. Fields the ledger never stated get explicit, conservative stand-ins.
 */
import type { FlagInfo } from '../correlate/index.ts';
import type { EnvState, FlagDetail, FlagSummary, Tier } from '../ipc/types/domain.ts';

/** Tier shown when a definition names none it can be read as: the strictest, so nothing looks safer than it is. */
export const UNKNOWN_TIER: Tier = 'BLOCKED';

/** Builds the summary of a flag from its catalog record and current environment states. */
export function flagSummaryOf(info: FlagInfo, environments: Record<string, EnvState>): FlagSummary {
  return {
    key: info.key,
    type: info.type ?? 'unknown',
    owner: info.owner ?? '',
    services: [...(info.services ?? [])],
    tier: info.tier ?? UNKNOWN_TIER,
    stage: info.tombstoned ? 'TOMBSTONED' : (info.stage ?? 'UNKNOWN'),
    tombstoned: info.tombstoned,
    environments,
  };
}

/** Builds the detail of a flag (what a kill or rollback would affect). */
export function flagDetailOf(
  info: FlagInfo,
  environments: Record<string, EnvState>,
  dependents: readonly string[],
  lastChangeIdx: number | null,
): FlagDetail {
  return {
    ...flagSummaryOf(info, environments),
    description: info.description ?? '',
    // The control plane's default when a flag is created without one (control-plane/domain/flags.ts).
    safe_default: info.safe_default === null ? { enabled: false, rollout_pct: 0 } : { ...info.safe_default },
    dependents: [...dependents].sort(),
    lastChangeIdx,
  };
}

/** How well a flag matches a type-ahead query: 0 = key prefix, 1 = key substring, 2 = owner or service, null = no match. */
export function flagMatchRank(info: FlagInfo, query: string): number | null {
  const q = query.trim().toLowerCase();
  if (q === '') return 1;
  const key = info.key.toLowerCase();
  if (key.startsWith(q)) return 0;
  if (key.includes(q)) return 1;
  if ((info.owner ?? '').toLowerCase().includes(q)) return 2;
  if ((info.services ?? []).some((s) => s.toLowerCase().includes(q))) return 2;
  return null;
}
