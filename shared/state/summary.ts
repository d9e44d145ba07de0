/**
 * One short human sentence per ledger entry for the audit table ("rollout 0% → 50%", "killed → safe default (off)",
 * "approved 1/1"). Derived from the leaf only; the exact payload stays one click away in the entry detail.
 */
import type { EnvState } from '../ipc/types/domain.ts';
import { isObject, toEnvState } from './env-state.ts';

/** The fields of a leaf a summary reads. */
export interface SummaryLeaf {
  action: string;
  flag: string | null;
  env: string | null;
  before: unknown;
  after: unknown;
  refs: Record<string, string>;
}

const MAX_LIST = 3;

function text(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

function list(v: unknown): string {
  const items = Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
  if (items.length === 0) return 'none';
  const shown = items.slice(0, MAX_LIST).join(', ');
  return items.length > MAX_LIST ? `${shown} +${items.length - MAX_LIST}` : shown;
}

/** "off" or "on 50%" (the part of a state that decides who gets the treatment). */
export function describeExposure(s: Pick<EnvState, 'enabled' | 'rollout_pct'>): string {
  return s.enabled ? `on ${s.rollout_pct}%` : 'off';
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The differences between two states, e.g. "enabled, rollout 0% → 50%"; "no change" when equal. */
export function describeStateChange(before: EnvState | null, after: EnvState): string {
  if (before === null) return `set ${describeExposure(after)}`;
  const parts: string[] = [];
  if (before.enabled !== after.enabled) parts.push(after.enabled ? 'enabled' : 'disabled');
  if (before.rollout_pct !== after.rollout_pct) parts.push(`rollout ${before.rollout_pct}% → ${after.rollout_pct}%`);
  if (before.variation !== after.variation) parts.push(`variation ${before.variation} → ${after.variation}`);
  if (!sameList(before.rules, after.rules)) parts.push(`rules ${before.rules.length} → ${after.rules.length}`);
  if (!sameList(before.prerequisites, after.prerequisites))
    parts.push(`prerequisites ${list(before.prerequisites)} → ${list(after.prerequisites)}`);
  return parts.length === 0 ? 'no change' : parts.join(', ');
}

function stateChange(leaf: SummaryLeaf): string {
  // Without an environment, a stand-in (break-glass, applied or scheduled request) carries a definition change.
  if (leaf.env === null) {
    if (leaf.after === null) return 'tombstoned: archived for ever';
    return describeDefinitionChange(leaf.before, leaf.after);
  }
  const after = toEnvState(leaf.after);
  if (after === null) return 'state unreadable';
  return describeStateChange(toEnvState(leaf.before), after);
}

function exposureMove(leaf: SummaryLeaf): string {
  const before = toEnvState(leaf.before);
  const after = toEnvState(leaf.after);
  if (after === null) return 'state unreadable';
  return before === null ? describeExposure(after) : `${describeExposure(before)} → ${describeExposure(after)}`;
}

function safeDefault(v: unknown): string {
  const enabled = field(v, 'enabled');
  const pct = field(v, 'rollout_pct');
  return typeof enabled === 'boolean' && typeof pct === 'number'
    ? describeExposure({ enabled, rollout_pct: pct })
    : 'unreadable';
}

const DEFINITION_FIELDS = ['owner', 'tier', 'stage', 'type', 'expires_at'] as const;

/** The metadata differences of a definition update, e.g. "tier LOW → HIGH, services a → a, b". */
export function describeDefinitionChange(before: unknown, after: unknown): string {
  if (!isObject(after)) return 'definition unreadable';
  const prev = isObject(before) ? before : {};
  const parts: string[] = [];
  for (const f of DEFINITION_FIELDS) {
    if (JSON.stringify(prev[f]) !== JSON.stringify(after[f]))
      parts.push(`${f} ${text(prev[f]) ?? 'none'} → ${text(after[f]) ?? 'none'}`);
  }
  if (JSON.stringify(prev['services']) !== JSON.stringify(after['services']))
    parts.push(`services ${list(prev['services'])} → ${list(after['services'])}`);
  if (JSON.stringify(prev['safe_default']) !== JSON.stringify(after['safe_default']))
    parts.push(`safe default ${safeDefault(after['safe_default'])}`);
  if (prev['description'] !== after['description']) parts.push('description edited');
  return parts.length === 0 ? 'metadata unchanged' : `metadata: ${parts.join(', ')}`;
}

function created(after: unknown): string {
  if (!isObject(after)) return 'created';
  const facts = [
    text(after['type']),
    text(after['tier']),
    text(after['owner']) === null ? null : `owner ${String(after['owner'])}`,
  ];
  return `created (${facts.filter((f) => f !== null).join(', ')})`;
}

function field(v: unknown, key: string): unknown {
  return isObject(v) ? v[key] : undefined;
}

function incident(leaf: SummaryLeaf, verb: string): string {
  const id = text(field(leaf.after, 'id')) ?? leaf.refs['incident'] ?? '?';
  const title = text(field(leaf.after, 'title'));
  const severity = text(field(leaf.after, 'severity'));
  return `incident ${id} ${verb}${title === null ? '' : `: ${title}`}${severity === null ? '' : ` (${severity})`}`;
}

function approval(leaf: SummaryLeaf): string {
  const n = field(leaf.after, 'approvals');
  const of = field(leaf.after, 'required');
  return typeof n === 'number' && typeof of === 'number' ? `approved ${n}/${of}` : 'approved';
}

/** What a request's payload asks for: a state change, a definition change, or archiving the flag. */
function requestPayload(leaf: SummaryLeaf): string {
  switch (leaf.refs['operation']) {
    case 'archive':
      return 'archive (tombstone) of the flag in every environment';
    case 'definition':
      return describeDefinitionChange(leaf.before, leaf.after);
    default:
      return stateChange(leaf);
  }
}

function requested(leaf: SummaryLeaf): string {
  const at = text(field(leaf.after, 'scheduled_at'));
  return `requested ${requestPayload(leaf)}${at === null ? '' : `, scheduled for ${at}`}`;
}

function breakGlassIssued(after: unknown): string {
  const scope = field(after, 'scope');
  const expires = text(field(after, 'expires_at'));
  return `break-glass token issued for ${list(field(scope, 'flags'))} in ${list(field(scope, 'envs'))}${expires === null ? '' : `, expires ${expires}`}`;
}

function scheduleBlocked(after: unknown): string {
  const approved = field(after, 'approved_payload_hash');
  const actual = field(after, 'actual_payload_hash');
  return approved !== undefined && approved !== actual
    ? 'scheduled change blocked: payload changed after approval'
    : 'scheduled change blocked';
}

function ref(leaf: SummaryLeaf, key: string): string {
  return leaf.refs[key] ?? '?';
}

/** The one-line summary of an entry. */
export function summarizeEntry(leaf: SummaryLeaf): string {
  switch (leaf.action) {
    case 'flag.created':
      return created(leaf.after);
    case 'flag.updated':
      return leaf.env === null ? describeDefinitionChange(leaf.before, leaf.after) : stateChange(leaf);
    case 'flag.killed':
      return `killed → safe default (${exposureMove(leaf)})`;
    case 'flag.rolled_back':
      return `rolled back entry #${ref(leaf, 'rollback_of')} (${exposureMove(leaf)})`;
    case 'flag.auto_rolled_back':
      return `circuit breaker rolled back to safe default (${exposureMove(leaf)})`;
    case 'flag.tombstoned':
      return 'tombstoned: archived for ever';
    case 'break_glass.used':
      return `break-glass ${leaf.refs['operation'] ?? 'change'}: ${stateChange(leaf)}`;
    case 'break_glass.issued':
      return breakGlassIssued(leaf.after);
    case 'change_request.created':
      return requested(leaf);
    case 'change_request.updated':
      return `request ${ref(leaf, 'change_request')} edited: ${requestPayload(leaf)}`;
    case 'change_request.approved':
      return approval(leaf);
    case 'change_request.rejected':
      return `request ${ref(leaf, 'change_request')} rejected`;
    case 'change_request.applied':
      return `applied ${ref(leaf, 'change_request')}: ${stateChange(leaf)}`;
    case 'schedule.created':
      return `scheduled for ${text(field(leaf.after, 'run_at')) ?? '?'}`;
    case 'schedule.executed':
      return `scheduled change executed: ${stateChange(leaf)}`;
    case 'schedule.blocked':
      return scheduleBlocked(leaf.after);
    case 'incident.triggered':
      return incident(leaf, 'triggered');
    case 'incident.acknowledged':
      return incident(leaf, 'acknowledged');
    case 'incident.resolved':
      return incident(leaf, 'resolved');
    default:
      return leaf.action;
  }
}
