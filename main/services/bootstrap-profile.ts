/** Makes the control plane given on the command line (`--connect`, `--token`, `--trust`) the active profile. */
import { AppError } from '../ipc/app-error.ts';
import { sha256 } from '../ledger/node-crypto.ts';
import { normalizeControlPlaneUrl, type ProfileStore } from '../profiles/profile-store.ts';
import { offeredKey } from '../profiles/tofu.ts';

/** A control plane named at start-up. */
export interface Bootstrap {
  url: string;
  token: string | null;
  environment: string;
  /** Verifier keys the operator vouches for (e.g. printed by the local demo control plane). */
  trust: readonly string[];
}

/** Finds or creates the profile for `b`, stores its token and imported keys, selects it; returns its id. */
export function bootstrapProfile(store: ProfileStore, b: Bootstrap): string {
  const url = normalizeControlPlaneUrl(b.url);
  const existing = store.list().find((p) => p.url === url && p.environment === b.environment);
  let id: string;
  if (existing) {
    id = existing.id;
    if (b.token) store.storeToken(id, b.token);
  } else {
    if (!b.token)
      throw new AppError(
        'E_TOKEN_REQUIRED',
        `${url} is not a known profile yet, so it needs your bearer token: pass --token <t> or set TOMBSTONE_TOKEN.`,
      );
    id = store.add({ name: new URL(url).host, url, environment: b.environment, token: b.token }).id;
  }
  for (const vkey of b.trust) {
    offeredKey(sha256, vkey); // throws E_KEY_INVALID with a sentence
    store.trustKey(id, {
      vkey,
      validFromSize: null,
      validUntilSize: null,
      confirmedAt: new Date().toISOString(),
      source: 'import',
    });
  }
  store.select(id);
  return id;
}
