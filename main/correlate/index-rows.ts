/** What one ledger entry contributes to the correlation index (pure: derived from the leaf alone). */
import {
  changeRecords,
  incidentIdOf,
  isCatalogEntry,
  isEvaluatorResponse,
  readPrerequisites,
} from '../../shared/correlate/index.ts';
import type { JsonValue, LedgerLeaf } from '../../shared/ledger/index.ts';

/** The index rows of one entry. */
export interface IndexRows {
  /** A candidate change or a circuit-breaker response: indexed by time and by flag. */
  change: { flag: string; env: string | null } | null;
  /** An entry that can change the flag catalog (definitions, tombstones, prerequisites). */
  catalog: string | null;
  /** (service, flag) pairs a definition names. */
  services: [string, string][];
  /** (prerequisite, flag) edges a state or definition names. */
  prerequisites: [string, string][];
  incident: string | null;
  approval: string | null;
}

const NO_APPROVALS: ReadonlySet<string> = new Set();

function isObject(v: JsonValue): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function servicesOf(flag: string, after: JsonValue): [string, string][] {
  if (!isObject(after) || !Array.isArray(after['services'])) return [];
  return after['services'].filter((s): s is string => typeof s === 'string').map((s) => [s, flag]);
}

function prerequisitesOf(leaf: LedgerLeaf, flag: string): [string, string][] {
  const after = leaf.after;
  const states =
    leaf.env !== null
      ? [after]
      : isObject(after) && isObject(after['environments'] ?? null)
        ? Object.values(after['environments'] as { [k: string]: JsonValue })
        : [];
  return [...new Set(states.flatMap((s) => readPrerequisites(s)))].map((p) => [p, flag]);
}

/** Derives the index rows of a leaf. */
export function indexRowsOf(leaf: LedgerLeaf): IndexRows {
  const entry = { ...leaf, verified: false };
  const flag = leaf.flag;
  const isChange = flag !== null && (isEvaluatorResponse(entry) || changeRecords(entry, NO_APPROVALS).length > 0);
  const catalog = flag !== null && isCatalogEntry(leaf) ? flag : null;
  const cr = leaf.refs['change_request'];
  return {
    change: isChange ? { flag, env: leaf.env } : null,
    catalog,
    services: catalog !== null && leaf.env === null ? servicesOf(catalog, leaf.after) : [],
    prerequisites: catalog !== null ? prerequisitesOf(leaf, catalog) : [],
    incident: incidentIdOf(leaf),
    approval: leaf.action === 'change_request.approved' && cr !== undefined ? cr : null,
  };
}
