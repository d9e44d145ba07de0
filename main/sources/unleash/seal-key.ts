/**
 * The per-mirror sealing key. Unleash signs nothing, so the console signs the checkpoints of its Unleash replica with a
 * local Ed25519 key of its own; the replica trusts exactly that key, and the same verification that guards a Tombstone
 * replica then catches any local edit. The key is kept like a token: in the app, encrypted by the profile store's
 * SecretBox (the OS keychain through Electron's safeStorage, a 0600 file in browser mode); on the command line, a file
 * readable by its owner only (refused otherwise, like ssh refuses a private key that others can read).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { NoteSigner, TrustedKey } from '../../../shared/ledger/index.ts';
import { fromBase64Strict, keyId, toBase64 } from '../../../shared/ledger/index.ts';
import { AppError } from '../../ipc/app-error.ts';
import { ed25519Signer, sha256 } from '../../ledger/node-crypto.ts';
import { writeFileAtomic } from '../../profiles/profile-file.ts';
import type { SecretBox } from '../../profiles/secret-box.ts';

/** The name on the seal's signature lines and in the replica's trust store. */
export const SEAL_KEY_NAME = 'tombstone-console-seal';

const MAGIC = 'tombstone-seal-key-v1 ';

/** Where a seal key lives. */
export interface SealKeyStore {
  /** For messages: the file (or keychain entry) holding it. */
  location: string;
  /** The 32-byte seed, or null when none was created yet. Throws E_SEAL_KEY / E_SEAL_KEY_MODE when unusable. */
  load(): Uint8Array | null;
  save(seed: Uint8Array): void;
}

function unusable(location: string, why: string): AppError {
  return new AppError(
    'E_SEAL_KEY',
    `The sealing key ${location} cannot be used (${why}). Without it the sealed Unleash replica cannot be extended; ` +
      'restore the key file, or set the replica aside and mirror again with a new key.',
  );
}

function decode(location: string, text: string): Uint8Array {
  const line = text.trim();
  if (!line.startsWith(MAGIC)) throw unusable(location, 'it is not a sealing key file');
  let seed: Uint8Array;
  try {
    seed = fromBase64Strict(line.slice(MAGIC.length));
  } catch {
    throw unusable(location, 'its key is not base64');
  }
  if (seed.length !== 32) throw unusable(location, 'its key is not 32 bytes');
  return seed;
}

/** A key in a file of its own, mode 0600 (the command line, and browser mode). */
export function fileSealKeyStore(path: string, platform: NodeJS.Platform = process.platform): SealKeyStore {
  return {
    location: path,
    load: () => {
      if (!existsSync(path)) return null;
      const mode = statSync(path).mode & 0o777;
      if (platform !== 'win32' && (mode & 0o077) !== 0) {
        throw new AppError(
          'E_SEAL_KEY_MODE',
          `The sealing key ${path} is accessible to other users (mode 0${mode.toString(8)}), so anyone who can read ` +
            `it can re-seal an edited replica. Run \`chmod 600 ${path}\`; if others may have read it, set the replica ` +
            'aside and mirror again with a new key.',
        );
      }
      return decode(path, readFileSync(path, 'utf8'));
    },
    save: (seed) => writeFileAtomic(path, `${MAGIC}${toBase64(seed)}\n`),
  };
}

/** A key encrypted by a SecretBox (the app: safeStorage, i.e. the OS keychain; browser mode: a 0600 file). */
export function boxSealKeyStore(path: string, box: SecretBox): SealKeyStore {
  const check = (): void => {
    if (!box.available())
      throw new AppError(
        'E_SECRET_STORE_UNAVAILABLE',
        'No secure key store is available to keep the sealing key of the Unleash replica. Install or unlock the ' +
          'system keychain, or run the console in browser mode.',
      );
  };
  return {
    location: path,
    load: () => {
      if (!existsSync(path)) return null;
      check();
      let text: string;
      try {
        text = box.decrypt(readFileSync(path));
      } catch {
        throw unusable(path, 'it cannot be decrypted: the key store changed or the file was copied from elsewhere');
      }
      return decode(path, text);
    },
    save: (seed) => {
      check();
      writeFileAtomic(path, box.encrypt(`${MAGIC}${toBase64(seed)}`));
    },
  };
}

/** The signer of `store`'s key, creating the key when there is none and `create` is true (else E_SEAL_KEY_MISSING). */
export function sealSigner(store: SealKeyStore, create: boolean): NoteSigner {
  let seed = store.load();
  if (seed === null) {
    if (!create)
      throw new AppError(
        'E_SEAL_KEY_MISSING',
        `The sealing key ${store.location} is missing, but the Unleash replica was sealed with it. Restore the key ` +
          'file; without it the replica can still be read and verified, but not extended.',
      );
    seed = new Uint8Array(randomBytes(32));
    store.save(seed);
  }
  return ed25519Signer(SEAL_KEY_NAME, seed);
}

/** The trust-store entry of a seal signer. */
export function sealTrustedKey(signer: NoteSigner): TrustedKey {
  return { name: signer.name, keyId: keyId(sha256, signer.name, signer.publicKey), publicKey: signer.publicKey };
}
