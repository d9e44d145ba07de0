/**
 * Token encryption for the Electron shell (checklist: secrets at rest via safeStorage). When the OS
 * offers no encryption (e.g. Linux without a keyring), `available()` is false and callers refuse to
 * store tokens rather than writing them in plain text.
 */
import { safeStorage } from 'electron';

/** The SecretBox the profile store uses, backed by Electron's safeStorage. */
export const safeStorageBox = {
  available(): boolean {
    return safeStorage.isEncryptionAvailable() && safeStorage.getSelectedStorageBackend?.() !== 'basic_text';
  },
  encrypt(text: string): Buffer {
    return safeStorage.encryptString(text);
  },
  decrypt(data: Buffer): string {
    return safeStorage.decryptString(data);
  },
};
