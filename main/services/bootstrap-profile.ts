/** Makes the control plane given on the command line (`--connect`, `--token`, `--trust`) the active profile. */
import { AppError } from '../ipc/app-error.ts';
import { sha256 } from '../ledger/node-crypto.ts';
import { normalizeControlPlaneUrl, normalizeSourceUrl, type ProfileStore } from '../profiles/profile-store.ts';
import { offeredKey } from '../profiles/tofu.ts';

/** A control plane named at start-up. */
export interface Bootstrap {
  url: string;
  /** Every instance URL of the control plane, `url` first (absent: `url` alone). */
  urls?: readonly string[];
  token: string | null;
  environment: string;
  /** Verifier keys the operator vouches for (e.g. printed by the local demo control plane). */
  trust: readonly string[];
  /** 'unleash' when the URL is an Unleash to mirror (absent: a Tombstone control plane). */
  source?: 'unleash';
}

/** Finds or creates the profile for `b`, stores its token and imported keys, selects it; returns its id. */
export function bootstrapProfile(store: ProfileStore, b: Bootstrap): string {
  const kind = b.source ?? 'control-plane';
  const url = kind === 'unleash' ? normalizeSourceUrl(b.url) : normalizeControlPlaneUrl(b.url);
  const existing = store
    .list()
    .find((p) => p.url === url && p.environment === b.environment && (p.source ?? 'control-plane') === kind);
  const urls = kind === 'unleash' ? [url] : (b.urls ?? [url]).map(normalizeControlPlaneUrl);
  let id: string;
  if (existing) {
    id = existing.id;
    if (b.token) store.storeToken(id, b.token);
    // The command line names the instances now: a profile keeps its ledger, pins and keys, and gets the new list.
    if (kind === 'control-plane' && (existing.urls ?? [existing.url]).join(' ') !== urls.join(' '))
      store.setUrls(id, urls);
  } else {
    if (!b.token)
      throw new AppError(
        'E_TOKEN_REQUIRED',
        `${url} is not a known profile yet, so it needs your ${kind === 'unleash' ? 'Unleash admin API' : 'bearer'} token: pass --token-file <path> or set TOMBSTONE_TOKEN.`,
      );
    const name = kind === 'unleash' ? `Unleash ${new URL(url).host}` : new URL(url).host;
    id = store.add({ name, url: urls.join(' '), environment: b.environment, token: b.token }, kind).id;
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
