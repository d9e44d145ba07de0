/**
 * Sync failures arrive from main as "E_CODE: technical detail" (e.g. `E_NETWORK: GET /api/v1/ledger/stream failed:
 * connect ECONNREFUSED 127.0.0.1:4000`). On screen they read as a sentence that says what happened, with the code.
 */

/** A sentence (lower-case start, no final stop) ending in the code; text without a code is returned as is. */
export function explainSyncError(raw: string): string {
  const m = /^(E_[A-Z0-9_]+): ([\s\S]*)$/.exec(raw.trim());
  if (!m) return raw;
  const code = m[1] ?? '';
  const detail = m[2] ?? '';
  switch (code) {
    case 'E_NETWORK':
      if (/ECONNREFUSED/.test(detail))
        return `the control plane refused the connection: it is not running or not listening at that address (${code})`;
      if (/ENOTFOUND|EAI_AGAIN/.test(detail)) return `the control plane's host name does not resolve (${code})`;
      return `the connection to the control plane failed or broke off (${code})`;
    case 'E_TIMEOUT':
      return `the control plane did not answer in time (${code})`;
    case 'E_AUTH':
      return `the control plane refused this profile's token; add the profile again with a valid token (${code})`;
    default:
      return `${detail.replace(/[.\s]+$/, '')} (${code})`;
  }
}
