/**
 * Token encryption behind one small interface. The Electron shell plugs in safeStorage (Electron security checklist:
 * "tokens encrypted with safeStorage"); browser mode has no keychain and relies on a 0600 file, which is what
 * `fileModeSecretBox` stands for. When no box is available the console refuses to store tokens at all.
 */

/** Encrypts and decrypts small secrets (bearer tokens, the high-water mark). */
export interface SecretBox {
  /** Ciphertext of `text`. */
  encrypt(text: string): Buffer;
  /** Plaintext of a buffer produced by `encrypt`; throws when it cannot be decrypted. */
  decrypt(buf: Buffer): string;
  /** False when the platform has no usable key store (e.g. Linux without a secret service). */
  available(): boolean;
}

const FILE_MAGIC = 'tsc-file-v1:';

/**
 * Browser mode: no encryption, the secret's protection is the owner-only (0600) file it is written to. The prefix
 * marks the format so a file written by another box is refused instead of being misread.
 */
export function fileModeSecretBox(): SecretBox {
  return {
    encrypt: (text) => Buffer.from(FILE_MAGIC + text, 'utf8'),
    decrypt: (buf) => {
      const text = buf.toString('utf8');
      if (!text.startsWith(FILE_MAGIC)) throw new Error('not written by the file-mode secret box');
      return text.slice(FILE_MAGIC.length);
    },
    available: () => true,
  };
}

/** A box that is never available (tests, and platforms where safeStorage reports no encryption). */
export function unavailableSecretBox(): SecretBox {
  const refuse = (): never => {
    throw new Error('no secret store is available on this system');
  };
  return { encrypt: refuse, decrypt: refuse, available: () => false };
}
