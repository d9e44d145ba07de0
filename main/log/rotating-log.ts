/**
 * A small rotating log file for the user data folder: one JSON line per record, rolled to
 * `<name>.1 … <name>.N` when the file passes its size limit, so logs never fill a disk.
 */
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Severity of a record. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Rotation settings. */
export interface RotatingLogOptions {
  file: string;
  maxBytes?: number;
  keep?: number;
  now?: () => Date;
}

/** A logger writing JSON lines to a rotating file. */
export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
}

function rotate(file: string, keep: number): void {
  rmSync(`${file}.${keep}`, { force: true });
  for (let i = keep - 1; i >= 1; i--) {
    if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
  }
  renameSync(file, `${file}.1`);
}

/** Opens (creating folders as needed) a rotating log; writes are synchronous so a crash loses nothing. */
export function openRotatingLog(options: RotatingLogOptions): Logger {
  const { file, maxBytes = 5 * 1024 * 1024, keep = 5, now = () => new Date() } = options;
  mkdirSync(dirname(file), { recursive: true });
  let size = existsSync(file) ? statSync(file).size : 0;
  return {
    log(level, msg, fields = {}) {
      const line = JSON.stringify({ ts: now().toISOString(), level, msg, ...fields }) + '\n';
      if (size > 0 && size + Buffer.byteLength(line) > maxBytes) {
        rotate(file, keep);
        size = 0;
      }
      appendFileSync(file, line, { mode: 0o600 });
      size += Buffer.byteLength(line);
    },
  };
}
