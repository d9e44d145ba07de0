/**
 * What one ledger entry means for the console's read models, derived from the leaf alone: whether it changes what
 * users get, whether it sets an environment state or the flag catalog, and which incident or change request it belongs
 * to. The replica's view index stores exactly these facts per entry.
 */
import type { LedgerLeaf } from '../ledger/leaf.ts';
import {
  CHANGE_ACTIONS,
  changeRecords,
  exposureChange,
  isCatalogEntry,
  isEvaluatorResponse,
  type CorrelationEntry,
} from '../correlate/index.ts';
import { setsEnvState } from './env-state.ts';

/** The facts of one entry. */
export interface EntryFacts {
  /** Changes what users get (an exposure, variation or targeting change; automatic rollbacks included). */
  change: boolean;
  /** Sets a per-environment state (state actions with env set, `flag.created`). */
  setsState: boolean;
  /** Can change the flag's catalog record (definition, tombstone, prerequisites). */
  catalog: boolean;
  /** The incident an `incident.*` entry belongs to. */
  incident: string | null;
  /** The change request a `change_request.*` or `schedule.*` entry belongs to. */
  changeRequest: string | null;
}

const NO_APPROVALS: ReadonlySet<string> = new Set();

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

function incidentOf(leaf: LedgerLeaf): string | null {
  if (!leaf.action.startsWith('incident.')) return null;
  const after = leaf.after;
  const fromAfter = typeof after === 'object' && after !== null && !Array.isArray(after) ? str(after['id']) : null;
  return str(leaf.refs['incident']) ?? fromAfter;
}

function changeRequestOf(leaf: LedgerLeaf): string | null {
  if (!leaf.action.startsWith('change_request.') && !leaf.action.startsWith('schedule.')) return null;
  return str(leaf.refs['change_request']);
}

/**
 * True when the entry changes what users get in some environment: the correlation engine's candidate changes
 * (changeRecords) plus the circuit breaker's automatic rollbacks. The per-environment case is decided here directly
 * with the same rules (it runs on every entry of a million-entry catch-up; building change records would double it).
 */
export function isUserFacingChange(leaf: LedgerLeaf): boolean {
  if (leaf.flag === null) return false;
  // The correlation helpers take an entry with its verification bit; none reads it, so no copy is made.
  const entry = leaf as CorrelationEntry;
  if (isEvaluatorResponse(entry)) return leaf.env !== null && exposureChange(leaf.before, leaf.after).kind !== 'none';
  if (leaf.env === null || leaf.action === 'flag.created') return changeRecords(entry, NO_APPROVALS).length > 0;
  const applies =
    CHANGE_ACTIONS.includes(leaf.action) || (leaf.action.startsWith('flag.') && leaf.action !== 'flag.tombstoned');
  return applies && exposureChange(leaf.before, leaf.after).kind !== 'none';
}

/** Derives the facts of a leaf. */
export function entryFacts(leaf: LedgerLeaf): EntryFacts {
  return {
    change: isUserFacingChange(leaf),
    setsState: setsEnvState(leaf),
    catalog: leaf.flag !== null && isCatalogEntry(leaf),
    incident: incidentOf(leaf),
    changeRequest: changeRequestOf(leaf),
  };
}
