/**
 * The one place where a stored profile becomes a LedgerSource: a Tombstone control plane (the default) or an Unleash
 * mirror (`source: 'unleash'`), whose seal key is kept like the profile's token — encrypted by the profile store's
 * SecretBox (Electron's safeStorage, i.e. the OS keychain, in the app; a 0600 file in browser mode).
 */
import type { TrustedKey } from '../../shared/ledger/index.ts';
import { sha256 } from '../ledger/node-crypto.ts';
import type { Replica } from '../ledger/replica.ts';
import { trustedKeysOf } from '../profiles/tofu.ts';
import { profileUrls, type ProfileStore } from '../profiles/profile-store.ts';
import type { SyncLog } from '../sync/errors.ts';
import { controlPlaneSource } from './control-plane.ts';
import type { LedgerSource } from './source.ts';
import { boxSealKeyStore } from './unleash/seal-key.ts';
import { unleashSource } from './unleash/source.ts';

/** What the session supplies: how it opens (and tracks) the replica, and where the engine logs. */
export interface ProfileSourceHooks {
  open: (init: { origin: string; trustedKeys: TrustedKey[] }) => Replica;
  log: SyncLog;
}

/** The source of profile `id`. */
export function sourceForProfile(store: ProfileStore, id: string, hooks: ProfileSourceHooks): LedgerSource {
  const stored = store.get(id);
  const token = store.token(id);
  if (stored.source === 'unleash') {
    return unleashSource({
      url: stored.url,
      token,
      replicaPath: store.replicaPath(id),
      keyStore: boxSealKeyStore(store.sealKeyPath(id), store.secretBox()),
      open: hooks.open,
      log: hooks.log,
    });
  }
  const source = controlPlaneSource({
    sync: {
      profile: {
        url: stored.url,
        urls: profileUrls(stored),
        token,
        origin: stored.origin,
        keys: stored.keys,
        remember: (origin, key) => {
          store.pinOrigin(id, origin);
          store.trustKey(id, key);
        },
      },
      replica: (init) => hooks.open(init),
      log: hooks.log,
    },
  });
  // Keys confirmed on first use while the session runs are in the store, not in the profile read at open.
  return {
    ...source,
    launchTrust: () => {
      const now = store.get(id);
      return { origin: now.origin, keys: trustedKeysOf(sha256, now.keys) };
    },
  };
}
