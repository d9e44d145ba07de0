/** Command-line parsing for control-plane/cli.ts (separate so it can be tested without starting anything). */
import { parseArgs } from 'node:util';
import type { WebhookTarget } from './domain/notifier.ts';
import type { ControlPlaneOptions } from './options.ts';
import type { Role } from './db/users.ts';
import { isRole } from './db/users.ts';

/** Where an admin command writes: a data dir's SQLite database, or a PostgreSQL database (`--database <url>`). */
export type DbTarget = { dataDir: string; database?: undefined } | { database: string; dataDir?: undefined };

/** What the command line asks for. */
export type Command =
  | { kind: 'serve'; options: ControlPlaneOptions }
  | ({ kind: 'user-add'; name: string; role: Role } & DbTarget)
  | ({ kind: 'sdk-key-add'; environment: string; name: string } & DbTarget)
  | { kind: 'backup'; dataDir: string; out: string }
  | { kind: 'backup-check'; file: string }
  | { kind: 'help' };

/** Usage text. */
export const USAGE = `usage:
  npm run control-plane -- --port <p> --data <dir> [--database <url>] [--demo] [--seed N] [--host 127.0.0.1]
      [--incident-after 60s] [--demo-anchor <RFC 3339>] [--no-telemetry] [--origin <log origin>]
      [--pagerduty-secret <s>] [--webhook slack=<url>] [--webhook pagerduty=<url>[#<routing key>]]
      [--checkpoint-every 1000] [--checkpoint-interval 1s] [--heartbeat 15s]
      [--fleet-disconnect 15s] [--fleet-age-out 10m]
  npm run control-plane -- user add <name> --role viewer|responder|approver|admin (--data <dir> | --database <url>)
  npm run control-plane -- sdk-key add --environment <env> [--name <name>] (--data <dir> | --database <url>)
      (--database postgres://user@host:port/db: the tables live in PostgreSQL, shared by any number of servers;
       a server's --data dir then holds its lock, signing keys and secret, the same files on every server)
  npm run control-plane -- backup --data <dir> --out <new file>   (while the server runs; checked before it is kept)
  npm run control-plane -- backup --check <file>`;

/** Parses "500ms", "15s", "2m", "1h" or a bare number of seconds into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?$/.exec(text);
  if (m === null) throw new RangeError(`"${text}" is not a duration like 500ms, 15s, 2m or 1h`);
  const unit = m[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return Math.round(Number(m[1]) * factor);
}

function integer(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text)) throw new RangeError(`--${name} must be a non-negative integer`);
  return Number(text);
}

function webhook(spec: string): WebhookTarget {
  const m = /^(slack|pagerduty)=(https?:\/\/[^#\s]+)(?:#(\S+))?$/.exec(spec);
  if (m === null) throw new RangeError(`--webhook ${spec}: use slack=<url> or pagerduty=<url>[#<routing key>]`);
  const target: WebhookTarget = { kind: m[1] as WebhookTarget['kind'], url: m[2] as string };
  if (m[3] !== undefined) target.routingKey = m[3];
  return target;
}

function dbTarget(values: Record<string, unknown>): DbTarget {
  const data = values['data'];
  const database = values['database'];
  if (typeof data === 'string' && typeof database === 'string')
    throw new RangeError('use --data <dir> or --database <url>, not both');
  if (typeof database === 'string') return { database };
  if (typeof data !== 'string') throw new RangeError('--data <dir> (or --database <url>) is required');
  return { dataDir: data };
}

function userAdd(positionals: string[], values: Record<string, unknown>): Command {
  const name = positionals[2];
  const role = values['role'];
  if (positionals.length !== 3 || name === undefined) throw new RangeError('user add takes exactly one name');
  if (!isRole(role)) throw new RangeError('--role must be viewer, responder, approver or admin');
  return { kind: 'user-add', ...dbTarget(values), name, role };
}

function sdkKeyAdd(positionals: string[], values: Record<string, unknown>): Command {
  const environment = values['environment'];
  const name = values['name'] ?? 'sdk';
  if (positionals.length !== 2) throw new RangeError('sdk-key add takes no positional arguments');
  if (typeof environment !== 'string' || environment === '') throw new RangeError('--environment <env> is required');
  return { kind: 'sdk-key-add', ...dbTarget(values), environment, name: String(name) };
}

function backup(positionals: string[], values: Record<string, unknown>): Command {
  if (positionals.length !== 1) throw new RangeError('backup takes no positional arguments');
  const [data, out, check] = [values['data'], values['out'], values['check']];
  if (typeof check === 'string') {
    if (data !== undefined || out !== undefined) throw new RangeError('backup --check <file> takes no --data or --out');
    return { kind: 'backup-check', file: check };
  }
  if (typeof data !== 'string' || typeof out !== 'string')
    throw new RangeError('backup needs --data <dir> and --out <new file> (or --check <file>)');
  return { kind: 'backup', dataDir: data, out };
}

/** Parses argv (without node and script). Throws RangeError with a sentence on bad input. */
export function parseCommand(argv: string[]): Command {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: 'string' },
      data: { type: 'string' },
      database: { type: 'string' },
      host: { type: 'string' },
      demo: { type: 'boolean' },
      seed: { type: 'string' },
      'incident-after': { type: 'string' },
      'demo-anchor': { type: 'string' },
      'no-telemetry': { type: 'boolean' },
      origin: { type: 'string' },
      'pagerduty-secret': { type: 'string' },
      webhook: { type: 'string', multiple: true },
      'checkpoint-every': { type: 'string' },
      'checkpoint-interval': { type: 'string' },
      heartbeat: { type: 'string' },
      'fleet-disconnect': { type: 'string' },
      'fleet-age-out': { type: 'string' },
      role: { type: 'string' },
      environment: { type: 'string' },
      name: { type: 'string' },
      out: { type: 'string' },
      check: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) return { kind: 'help' };
  if (positionals[0] === 'user' && positionals[1] === 'add') return userAdd(positionals, values);
  if (positionals[0] === 'sdk-key' && positionals[1] === 'add') return sdkKeyAdd(positionals, values);
  if (positionals[0] === 'backup') return backup(positionals, values);
  if (positionals.length > 0) throw new RangeError(`unknown command "${positionals.join(' ')}"`);
  if (values.data === undefined) {
    throw new RangeError(
      values.database === undefined
        ? '--data <dir> is required'
        : '--data <dir> is required with --database too: it holds the signing keys and secret of this server',
    );
  }
  const anchor = values['demo-anchor'] === undefined ? undefined : Date.parse(values['demo-anchor']);
  if (anchor !== undefined && Number.isNaN(anchor)) throw new RangeError('--demo-anchor must be an RFC 3339 time');
  const options: ControlPlaneOptions = {
    dataDir: values.data,
    database: values.database ?? null,
    port: integer(values.port, 'port') ?? 0,
    host: values.host ?? '127.0.0.1',
    webhooks: (values.webhook ?? []).map(webhook),
    demo:
      values.demo === true
        ? {
            seed: integer(values.seed, 'seed') ?? 1,
            incidentAfterMs: parseDuration(values['incident-after'] ?? '60s'),
            telemetry: values['no-telemetry'] !== true,
            ...(anchor === undefined ? {} : { anchor }),
          }
        : null,
  };
  if (values.origin !== undefined) options.origin = values.origin;
  if (values['pagerduty-secret'] !== undefined) options.pagerdutySecret = values['pagerduty-secret'];
  const every = integer(values['checkpoint-every'], 'checkpoint-every');
  if (every !== undefined) options.checkpointEvery = every;
  if (values['checkpoint-interval'] !== undefined)
    options.checkpointIntervalMs = parseDuration(values['checkpoint-interval']);
  if (values.heartbeat !== undefined) options.heartbeatMs = parseDuration(values.heartbeat);
  const fleet: NonNullable<ControlPlaneOptions['sdkFleet']> = {};
  if (values['fleet-disconnect'] !== undefined) fleet.disconnectAfterMs = parseDuration(values['fleet-disconnect']);
  if (values['fleet-age-out'] !== undefined) fleet.ageOutMs = parseDuration(values['fleet-age-out']);
  if (Object.keys(fleet).length > 0) options.sdkFleet = fleet;
  return { kind: 'serve', options };
}
