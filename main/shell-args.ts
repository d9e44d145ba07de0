/** Parses the options shared by the Electron shell and `tombstone-console serve`. */
import { pickToken } from './token-file.ts';

/** A control plane named on the command line. */
export interface ConnectArgs {
  url: string;
  /** `--connect <url>,<url>…`: every instance URL of the control plane, `url` first (absent for one URL). */
  urls?: string[];
  token: string | null;
  environment: string;
  trust: string[];
  /** `--unleash <url>`: the profile mirrors that Unleash (absent: `--connect`, a Tombstone control plane). */
  source?: 'unleash';
}

/** What the shell was asked to connect to and how to serve itself. */
export interface ShellArgs {
  connect: ConnectArgs | null;
  dataDir: string | null;
  port: number | null;
  open: boolean;
}

/** Error thrown for unusable arguments; the message says what to type instead. */
export class ShellArgsError extends Error {}

function valueAfter(argv: readonly string[], i: number, flag: string): string {
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new ShellArgsError(`${flag} needs a value.`);
  return v;
}

function parseUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ShellArgsError(`--connect expects a URL like http://127.0.0.1:8080, got "${raw}".`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new ShellArgsError('--connect accepts only http(s) URLs.');
  return u.origin;
}

/** `--connect` takes one URL, or several instances of one control plane separated by commas. */
function parseUrls(raw: string): string[] {
  const urls = raw
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '')
    .map(parseUrl);
  if (urls.length === 0) throw new ShellArgsError('--connect needs a URL.');
  if (urls.length > 16) throw new ShellArgsError('--connect lists at most 16 instance URLs.');
  const repeated = urls.find((u, i) => urls.indexOf(u) !== i);
  if (repeated !== undefined) throw new ShellArgsError(`--connect lists ${repeated} twice.`);
  return urls;
}

function parseUnleashUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ShellArgsError(
      `--unleash expects the base URL of Unleash, like https://unleash.example.com, got "${raw}".`,
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new ShellArgsError('--unleash accepts only http(s) URLs.');
  if (u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '')
    throw new ShellArgsError(
      '--unleash takes the bare base URL: no credentials, query or fragment (the token goes in --token-file).',
    );
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ShellArgsError('--port must be an integer from 0 to 65535.');
  return port;
}

/**
 * Reads `--connect <url>[,<url>…]` (or `--unleash <url>`), the token (`--token <t>`, `--token-file <path>` or TOMBSTONE_TOKEN), `--environment <env>`,
 * `--trust <vkey>` (repeatable), `--data <dir>`, `--port <n>` and `--open`. Unknown flags are errors when `strict`
 * (Electron adds its own switches, so the shell passes false). Throws ShellArgsError, or TokenFileError for a token
 * file that cannot be used (missing, or readable by other users).
 */
export function parseShellArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  strict = true,
): ShellArgs {
  let url: string | null = null;
  let urls: string[] = [];
  let unleash = false;
  let tokenFlag: string | undefined;
  let tokenFile: string | undefined;
  let environment = 'production';
  const trust: string[] = [];
  const out: ShellArgs = { connect: null, dataDir: null, port: null, open: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--connect' || arg === '--unleash') {
      if (url !== null) throw new ShellArgsError('give one of --connect <control plane> or --unleash <url>, once.');
      unleash = arg === '--unleash';
      const raw = valueAfter(argv, i++, arg);
      urls = unleash ? [parseUnleashUrl(raw)] : parseUrls(raw);
      url = urls[0] ?? null;
    } else if (arg === '--token') tokenFlag = valueAfter(argv, i++, arg);
    else if (arg === '--token-file') tokenFile = valueAfter(argv, i++, arg);
    else if (arg === '--environment') environment = valueAfter(argv, i++, arg);
    else if (arg === '--trust') trust.push(valueAfter(argv, i++, arg));
    else if (arg === '--data') out.dataDir = valueAfter(argv, i++, arg);
    else if (arg === '--port') out.port = parsePort(valueAfter(argv, i++, arg));
    else if (arg === '--open') out.open = true;
    else if (strict && arg !== undefined && arg.startsWith('--')) throw new ShellArgsError(`unknown option ${arg}.`);
  }
  if ((url === null || unleash) && trust.length > 0)
    throw new ShellArgsError('--trust goes with --connect <url> (an Unleash mirror trusts its own seal key).');
  if (url === null && (tokenFlag ?? tokenFile) !== undefined)
    throw new ShellArgsError('--token and --token-file go with --connect <url> or --unleash <url>.');
  const token = url === null ? null : pickToken(tokenFlag, tokenFile, env, (m) => new ShellArgsError(`${m}.`));
  out.connect =
    url === null
      ? null
      : {
          url,
          ...(urls.length > 1 ? { urls } : {}),
          token,
          environment,
          trust,
          ...(unleash ? { source: 'unleash' as const } : {}),
        };
  return out;
}
