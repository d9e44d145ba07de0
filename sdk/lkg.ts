/**
 * Last-known-good: the applied config, written atomically (temp file in the same directory, fsync, rename) so a crash
 * never leaves a torn file, and read back at start when the control plane cannot be reached.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import type { SdkConfig } from '../shared/protocol/sdk.ts';

/** The file's content. */
export interface LkgFile {
  format: 'tombstone-sdk-lkg/1';
  saved_at: string;
  url: string;
  config: SdkConfig;
}

/** Writes the file atomically (mode 0600: it reveals the flag configuration). */
export function writeLkg(path: string, url: string, config: SdkConfig, now = Date.now()): void {
  const body: LkgFile = { format: 'tombstone-sdk-lkg/1', saved_at: new Date(now).toISOString(), url, config };
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(body));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // the temp file is gone already
    }
    throw err;
  }
}

/** Reads the file; null when it does not exist. Throws when it exists but is not a last-known-good file. */
export function readLkg(path: string): LkgFile | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<LkgFile>;
  if (parsed.format !== 'tombstone-sdk-lkg/1' || parsed.config === undefined) {
    throw new Error(`${path} is not a Tombstone SDK last-known-good file`);
  }
  return parsed as LkgFile;
}
