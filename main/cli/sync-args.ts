/** Argument parsing of the headless `sync` command. */
import { parseArgs } from 'node:util';
import { pickToken } from '../token-file.ts';
import { UsageError } from './args.ts';

/** Parsed `sync` arguments. */
export interface SyncArgs {
  /** What is mirrored: a Tombstone control plane (`--url`) or an Unleash (`--unleash`). */
  source: 'control-plane' | 'unleash';
  url: string;
  /** `--url` given several times (or as a comma list): every instance of the control plane, `url` first. */
  urls: string[];
  /** Unleash: the file holding the replica's seal key (default `<db>.seal-key`). */
  sealKey: string | null;
  /** Unleash: the environment the console works on (checked to exist); null: not checked. */
  environment: string | null;
  /** Unleash: pause between polls in follow mode. */
  intervalMs: number;
  token: string | null;
  db: string;
  once: boolean;
  json: boolean;
  trust: string[];
  acceptFirstKey: boolean;
  heartbeatMs: number;
  pageSize: number | undefined;
}

/** Usage text of the command. */
export const SYNC_USAGE = `Usage: tombstone-console sync --url <control-plane>[,<url>…]... --db <replica.sqlite> [--once] [--json]
       [--token-file <path> | --token <t>] [--trust <verifier key>]... [--accept-first-key] [--heartbeat <ms>] [--page-size <n>]
       tombstone-console sync --unleash <unleash-url> --db <replica.sqlite> [--once] [--json]
       [--token-file <path> | --token <t>] [--seal-key <file>] [--environment <e>] [--interval <ms>] [--page-size <n>]
  Several --url (or one comma-separated list) name instances of one control plane (same ledger); the sync moves to
  the next one when the one in use fails.
  --unleash mirrors an Unleash's event log with an admin API token and seals it with a local key (--seal-key, default
  <db>.seal-key, created on first use with mode 0600).
  The token: TOMBSTONE_TOKEN=<t> in the environment, or --token-file <path> (mode 0600), keep it out of the process
  list; --token <t> works but every user of the machine can read it there.`;

/** Parses argv (without the command name); throws UsageError, or TokenFileError for an unusable --token-file. */
export function parseSyncArgs(argv: readonly string[], env: NodeJS.ProcessEnv): SyncArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string', multiple: true },
        unleash: { type: 'string' },
        'seal-key': { type: 'string' },
        environment: { type: 'string' },
        interval: { type: 'string' },
        token: { type: 'string' },
        'token-file': { type: 'string' },
        db: { type: 'string' },
        once: { type: 'boolean' },
        json: { type: 'boolean' },
        trust: { type: 'string', multiple: true },
        'accept-first-key': { type: 'boolean' },
        heartbeat: { type: 'string' },
        'page-size': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const unleash = values.unleash !== undefined;
  if (unleash && values.url !== undefined)
    throw new UsageError('give either --url (a control plane) or --unleash, not both');
  const urls = unleash
    ? [values.unleash ?? '']
    : (values.url ?? [])
        .flatMap((u) => u.split(','))
        .map((u) => u.trim())
        .filter((u) => u !== '');
  const url = urls[0];
  if (url === undefined || values.db === undefined)
    throw new UsageError(unleash ? '--unleash and --db are required' : '--url and --db are required');
  const repeated = urls.find((u, i) => urls.indexOf(u) !== i);
  if (repeated !== undefined) throw new UsageError(`--url ${repeated} is given twice`);
  if (urls.length > 16) throw new UsageError('--url names at most 16 instances');
  if (!unleash && (values['seal-key'] ?? values.environment ?? values.interval) !== undefined)
    throw new UsageError('--seal-key, --environment and --interval go with --unleash');
  if (unleash && (values.trust !== undefined || values['accept-first-key'] === true || values.heartbeat !== undefined))
    throw new UsageError(
      '--trust, --accept-first-key and --heartbeat go with --url: an Unleash mirror trusts its own seal key',
    );
  if (values.interval !== undefined && !/^[1-9][0-9]{2,6}$/.test(values.interval))
    throw new UsageError('--interval is the pause between polls in ms (100-9999999)');
  if (values.heartbeat !== undefined && !/^[1-9][0-9]{0,6}$/.test(values.heartbeat))
    throw new UsageError('--heartbeat is the server heartbeat interval in ms');
  const page = values['page-size'];
  if (page !== undefined && !/^[1-9][0-9]{0,5}$/.test(page))
    throw new UsageError('--page-size is the number of entries per backfill request (1-999999)');
  return {
    pageSize: page === undefined ? undefined : Number(page),
    source: unleash ? 'unleash' : 'control-plane',
    url,
    urls,
    sealKey: values['seal-key'] ?? null,
    environment: values.environment ?? null,
    intervalMs: Number(values.interval ?? '5000'),
    token: pickToken(values.token, values['token-file'], env, (m) => new UsageError(m)),
    db: values.db,
    once: values.once === true,
    json: values.json === true,
    trust: values.trust ?? [],
    acceptFirstKey: values['accept-first-key'] === true,
    heartbeatMs: Number(values.heartbeat ?? '15000'),
  };
}
