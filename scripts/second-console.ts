/**
 * The "open a second console as another demo person" commands `npm start` prints. Tokens never go on a command line
 * (every local user can read those in `ps`): each person's token is written to its own file, mode 0600, and the
 * command names the file with --token-file.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../main/ledger/node-crypto.ts';
import { keyFingerprint } from '../main/profiles/tofu.ts';
import { parseVerifierKey } from '../shared/ledger/checkpoint.ts';

/** One demo person as the control plane prints them. */
export interface DemoPerson {
  role: string;
  name: string;
  token: string;
}

/** A person with their token file and the console command that acts as them. */
export interface SecondConsole extends DemoPerson {
  tokenFile: string;
  /** The `tombstone-console` arguments. */
  args: string[];
  /** The whole command, quoted for a POSIX shell. */
  command: string;
}

/** Quotes `arg` for a POSIX shell when it holds anything but safe characters. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The demo people in the control plane's output (`demo token <role> <name> <token>` lines). */
export function demoPeople(output: string): DemoPerson[] {
  return [...output.matchAll(/^demo token (\S+) (\S+) (\S+)$/gm)].map((m) => ({
    role: m[1] ?? '',
    name: m[2] ?? '',
    token: m[3] ?? '',
  }));
}

/**
 * Writes `<dir>/<name>.token` (mode 0600) for every person and returns, per person, the command that opens a browser
 * console as them against `url`, trusting `keys`, with its own data dir under `dir`.
 */
export function secondConsoleCommands(o: {
  url: string;
  people: readonly DemoPerson[];
  keys: readonly string[];
  dir: string;
}): SecondConsole[] {
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  return o.people.map((p) => {
    const tokenFile = join(o.dir, `${p.name}.token`);
    writeFileSync(tokenFile, `${p.token}\n`, { mode: 0o600 });
    chmodSync(tokenFile, 0o600); // the mode option is masked by the umask; this is not
    const args = [
      'serve',
      '--connect',
      o.url,
      '--token-file',
      tokenFile,
      ...o.keys.flatMap((k) => ['--trust', k]),
      '--data',
      join(o.dir, `${p.name}-console`),
    ];
    return { ...p, tokenFile, args, command: ['bin/tombstone-console', ...args].map(shellQuote).join(' ') };
  });
}

/**
 * The fingerprint a console shows when it asks to confirm the control plane's signing key (trust on first use), for
 * each verifier key the control plane printed; npm start prints them so the question can be checked.
 */
export function keyFingerprintLines(keys: readonly string[]): string[] {
  return keys.map((vkey) => {
    const parsed = parseVerifierKey(sha256, vkey);
    return `signing key ${parsed.name}: fingerprint ${keyFingerprint(parsed.publicKey)} (${vkey})`;
  });
}
