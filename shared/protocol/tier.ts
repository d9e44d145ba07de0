/** Risk tiers and the four-eyes quorum they imply: the one definition the control plane, console and SDK share. */

/** Risk tiers, lowest first. */
export const TIERS = ['LOW', 'MEDIUM', 'HIGH', 'BLOCKED'] as const;

/** A flag's blast-radius tier. */
export type Tier = (typeof TIERS)[number];

/** True when `value` names a tier. */
export function isTier(value: unknown): value is Tier {
  return typeof value === 'string' && (TIERS as readonly string[]).includes(value);
}

/** Numeric rank of a tier (LOW 0 … BLOCKED 3). */
export function tierRank(tier: Tier): number {
  return TIERS.indexOf(tier);
}

/**
 * The quorum: approvals a change needs by tier — BLOCKED 2 distinct non-requesters, HIGH 1, MEDIUM and LOW none.
 * A change request records the quorum it was created with (`required_approvals`); this is the rule that sets it.
 */
export function requiredApprovals(tier: Tier): number {
  switch (tier) {
    case 'BLOCKED':
      return 2;
    case 'HIGH':
      return 1;
    case 'MEDIUM':
    case 'LOW':
      return 0;
  }
}
