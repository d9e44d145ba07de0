/**
 * What approving a change request does, when it is more than one environment's state: archiving tombstones the flag
 * for ever in every environment; a definition request changes what a kill and the circuit breaker restore (the safe
 * default) or how many people later changes need (the tier). The reviewer reads this before the diff and the hash.
 */
import type { ChangeRequest } from '../../../../shared/ipc/contract.ts';
import { isTier, tierRank } from '../../../../shared/protocol/tier.ts';
import { describeValue } from '../../ui/value.tsx';

/** A tier's rank; anything that is not a tier ranks below LOW. */
const rank = (t: string): number => (isTier(t) ? tierRank(t) : -1);

function field(v: unknown, key: string): unknown {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;
}

/** The definition changes in words, one line each. */
export function definitionLines(before: unknown, after: unknown): string[] {
  const lines: string[] = [];
  const safe = field(after, 'safe_default');
  if (safe !== undefined) {
    const was = describeValue(field(before, 'safe_default') ?? null);
    lines.push(`Safe default (what a kill and the circuit breaker restore): ${was} → ${describeValue(safe)}`);
  }
  const tier = field(after, 'tier');
  if (typeof tier === 'string') {
    const was = field(before, 'tier');
    const lower = typeof was === 'string' && rank(tier) < rank(was);
    const note = lower ? ' — lower: later changes to this flag need fewer approvals, or none' : '';
    lines.push(`Tier: ${typeof was === 'string' ? was : '?'} → ${tier}${note}`);
  }
  return lines;
}

/** The note for a definition or archive request; nothing for a state request. */
export function OperationNote({ cr }: { cr: ChangeRequest }) {
  switch (cr.operation) {
    case 'state':
      return null;
    case 'archive':
      return (
        <p className="warning" data-testid="cr-operation">
          Approving archives <code>{cr.flag}</code> for ever: it is tombstoned in every environment, every SDK falls
          back to the code default for this key, and the key can never be used again.
        </p>
      );
    case 'definition':
      return (
        <div className="warning" data-testid="cr-operation">
          <p>
            Approving changes the definition of <code>{cr.flag}</code> in every environment:
          </p>
          <ul>
            {definitionLines(cr.before, cr.after).map((l) => (
              <li key={l}>{l}</li>
            ))}
          </ul>
        </div>
      );
  }
}

/** The label of the approve button: it names what is approved. */
export function approveLabel(cr: ChangeRequest): string {
  switch (cr.operation) {
    case 'state':
      return 'Approve this payload';
    case 'archive':
      return `Approve archiving ${cr.flag}`;
    case 'definition':
      return 'Approve this definition change';
  }
}

/** Where the request applies: its environment, or every environment. */
export function scopeLabel(cr: ChangeRequest): string {
  switch (cr.operation) {
    case 'state':
      return cr.env ?? '?';
    case 'archive':
      return 'archive · every environment';
    case 'definition':
      return 'definition · every environment';
  }
}
