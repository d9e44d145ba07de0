/** Change requests (four-eyes): the operations and the payload hash an approver signs. */
import canonicalize from 'canonicalize';
import { toHex, utf8Encode } from '../ledger/encoding.ts';
import type { Sha256 } from '../ledger/hash.ts';

/**
 * What a change request does when it applies: `state` sets one environment's state; `definition` changes the flag's
 * safe default and/or tier (every environment); `archive` tombstones the flag for ever (every environment).
 */
export type ChangeRequestOperation = 'state' | 'definition' | 'archive';

/** The change request operations. */
export const CHANGE_REQUEST_OPERATIONS: readonly ChangeRequestOperation[] = ['state', 'definition', 'archive'];

/**
 * The canonical JSON an approver signs: {flag_key, environment, after, scheduled_at} for a state request (unchanged
 * since the first version, so existing hashes stay valid), and {flag_key, operation, environment: null, after,
 * scheduled_at} for a definition or archive request — the operation is part of what is signed, and no state payload
 * has an `operation` member, so the two kinds can never hash alike. `scheduledAt` is the RFC 3339 text the control
 * plane reports, or null. Undefined when `after` is not JSON.
 */
export function payloadText(
  flag: string,
  env: string | null,
  after: unknown,
  scheduledAt: string | null,
  operation: ChangeRequestOperation = 'state',
): string | undefined {
  const payload =
    operation === 'state'
      ? { flag_key: flag, environment: env, after, scheduled_at: scheduledAt }
      : { flag_key: flag, operation, environment: null, after, scheduled_at: scheduledAt };
  return canonicalize(payload);
}

/** The payload hash an approver signs: lowercase hex SHA-256 of payloadText ('' when the payload is not JSON). */
export function payloadHashHex(
  sha: Sha256,
  flag: string,
  env: string | null,
  after: unknown,
  scheduledAt: string | null,
  operation: ChangeRequestOperation = 'state',
): string {
  const text = payloadText(flag, env, after, scheduledAt, operation);
  return text === undefined ? '' : toHex(sha(utf8Encode(text)));
}
