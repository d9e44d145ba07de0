/**
 * Binds a stored profile to the engine: its URL and decrypted token, its pinned origin and keys, persistence of a
 * first-use confirmation, and its own replica file — whose external high-water mark is sealed with the same SecretBox
 * as the token (safeStorage in Electron, a 0600 file in browser mode).
 */
import { fileHighWaterMark, type HighWaterMarkCodec } from '../ledger/high-water-mark.ts';
import { Replica } from '../ledger/replica.ts';
import { ProfileError } from '../profiles/errors.ts';
import { profileUrls, type ProfileStore } from '../profiles/profile-store.ts';
import type { SecretBox } from '../profiles/secret-box.ts';
import type { ReplicaOpener } from './replica-holder.ts';
import type { SyncProfile } from './trust-gate.ts';

/** A high-water-mark codec sealing the mark with a SecretBox (refuses to work when the box is unavailable). */
export function secretBoxCodec(box: SecretBox): HighWaterMarkCodec {
  const check = (): void => {
    if (!box.available())
      throw new ProfileError(
        'E_SECRET_STORE_UNAVAILABLE',
        "No secure key store is available to protect the replica's high-water mark.",
      );
  };
  return {
    encode: (plain) => {
      check();
      return box.encrypt(Buffer.from(plain).toString('base64'));
    },
    decode: (stored) => {
      check();
      return Buffer.from(box.decrypt(Buffer.from(stored)), 'base64');
    },
  };
}

/** What startSync needs for profile `id` of `store`. */
export function bindProfile(
  store: ProfileStore,
  id: string,
  box: SecretBox,
): { profile: SyncProfile; replica: ReplicaOpener } {
  const stored = store.get(id);
  const profile: SyncProfile = {
    url: stored.url,
    urls: profileUrls(stored),
    token: store.token(id),
    origin: stored.origin,
    keys: stored.keys,
    remember: (origin, key) => {
      store.pinOrigin(id, origin);
      store.trustKey(id, key);
    },
  };
  const path = store.replicaPath(id);
  const replica: ReplicaOpener = (init) =>
    Replica.open({ path, ...init, highWaterMark: fileHighWaterMark(`${path}.hwm`, secretBoxCodec(box)) });
  return { profile, replica };
}
