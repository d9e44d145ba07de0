/**
 * Where a control-plane bearer token comes from on the command line. `--token <t>` stays for convenience, but every
 * local user can read it in the process list (`ps`), so `TOMBSTONE_TOKEN` or `--token-file <path>` are preferred. A
 * token file is refused when its mode lets group or others read or write it, the way ssh refuses such a private key.
 */
import { readFileSync, statSync } from 'node:fs';

/** Codes of a token file that cannot be used. */
export type TokenFileCode = 'E_TOKEN_FILE' | 'E_TOKEN_FILE_MODE';

/** A token file that cannot be used: its code and a sentence saying what to do. */
export class TokenFileError extends Error {
  readonly code: TokenFileCode;

  constructor(code: TokenFileCode, message: string) {
    super(message);
    this.name = 'TokenFileError';
    this.code = code;
  }
}

/** The warning printed when a token was given with `--token`. */
export const TOKEN_ON_COMMAND_LINE =
  'W_TOKEN_ON_COMMAND_LINE: --token is visible to every user of this machine in the process list; prefer TOMBSTONE_TOKEN=<t> or --token-file <path> (mode 0600).';

/** Reads the token in `path` (its first line, trimmed); throws TokenFileError. Mode bits are not checked on Windows. */
export function readTokenFile(path: string, platform: NodeJS.Platform = process.platform): string {
  let mode: number;
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new TokenFileError('E_TOKEN_FILE', `${path} is not a regular file; give the token file.`);
    mode = st.mode & 0o777;
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof TokenFileError) throw err;
    const why = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new TokenFileError('E_TOKEN_FILE', `cannot read the token file ${path} (${why}); check the path.`);
  }
  if (platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new TokenFileError(
      'E_TOKEN_FILE_MODE',
      `the token file ${path} is accessible to other users (mode 0${mode.toString(8)}), so its token is not secret. Run \`chmod 600 ${path}\` (and get a new token if others may have read it), then try again.`,
    );
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length !== 1)
    throw new TokenFileError(
      'E_TOKEN_FILE',
      `the token file ${path} must hold exactly one line, the token (it holds ${lines.length}).`,
    );
  return (lines[0] ?? '').trim();
}

/**
 * The token from `--token`, `--token-file` or `TOMBSTONE_TOKEN`, in that order (null when none). Giving both flags is
 * ambiguous: `onBoth` builds the usage error to throw.
 */
export function pickToken(
  flag: string | undefined,
  file: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  onBoth: (message: string) => Error,
): string | null {
  if (flag !== undefined && file !== undefined) throw onBoth('give either --token or --token-file, not both');
  if (flag !== undefined) return flag;
  if (file !== undefined) return readTokenFile(file);
  return env['TOMBSTONE_TOKEN'] || null;
}
