/** Argument parsing of `tombstone-console correlate`: every mistake is a usage error that says what to write. */
import { isCorrelateError, parseDuration, parseInstant } from '../../shared/correlate/index.ts';
import type { IncidentQuery } from '../correlate/incident-query.ts';
import { UsageError } from './args.ts';

/** Where the ledger comes from. */
export type LedgerSource =
  { kind: 'db'; path: string } | { kind: 'entries'; path: string; checkpoint: string | null; trustedKeys: string[] };

/** Parsed arguments. */
export interface CorrelateArgs {
  source: LedgerSource;
  query: IncidentQuery;
  service: string | null;
  environment: string | null;
  windowSeconds: number | undefined;
  skewSeconds: number | undefined;
  halfLifeSeconds: number | undefined;
  limit: number | undefined;
  telemetry: string | null;
  json: boolean;
}

/** The usage text. */
export const USAGE = `Usage: tombstone-console correlate (--db <replica.sqlite> | --entries <ledger.ndjson>)
                                  (--incident <id> | --at <RFC3339>) [--service <s>] [--env <e>]
                                  [--window 30m] [--limit 3] [--json]
  --entries <file>      an exported ledger (NDJSON, one exact leaf text per line)
  --checkpoint <file>   a signed checkpoint note covering the export, e.g. <export dir>/checkpoint.txt
  --key <vkey>          a pinned verifier key name+keyid+base64 to check it against (repeatable;
                        also --trusted-key). Never take it from the export itself.
  --telemetry <file>    error-rate samples {"flags": {...}, "services": {...}}
  --skew 120s           clock disagreement tolerated around the alert
  --half-life 10m       recency half-life`;

const VALUE_OPTIONS = [
  '--db',
  '--entries',
  '--incident',
  '--at',
  '--service',
  '--env',
  '--window',
  '--skew',
  '--half-life',
  '--limit',
  '--telemetry',
  '--checkpoint',
  '--trusted-key',
  '--key',
];

function collect(args: readonly string[]): { values: Map<string, string[]>; json: boolean } {
  const values = new Map<string, string[]>();
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!;
    if (raw === '--json') {
      json = true;
      continue;
    }
    // `--key` is what `tombstone-console verify` calls it; both spellings collect into one list.
    const a = raw === '--key' ? '--trusted-key' : raw;
    if (!VALUE_OPTIONS.includes(a)) throw new UsageError(`unknown option "${raw}"`);
    const v = args[++i];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${raw} needs a value`);
    values.set(a, [...(values.get(a) ?? []), v]);
  }
  for (const [k, v] of values)
    if (v.length > 1 && k !== '--trusted-key') throw new UsageError(`${k} given more than once`);
  return { values, json };
}

function duration(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  try {
    return parseDuration(v);
  } catch (err) {
    if (isCorrelateError(err)) throw new UsageError(`${name}: ${err.message.replace(/^BAD_DURATION: /, '')}`);
    throw err;
  }
}

function one(values: Map<string, string[]>, a: string, b: string): [string, string] {
  const va = values.get(a)?.[0];
  const vb = values.get(b)?.[0];
  if ((va === undefined) === (vb === undefined)) throw new UsageError(`give exactly one of ${a} and ${b}`);
  return va !== undefined ? [a, va] : [b, vb!];
}

function source(values: Map<string, string[]>): LedgerSource {
  const [which, path] = one(values, '--db', '--entries');
  const checkpoint = values.get('--checkpoint')?.[0] ?? null;
  if (which === '--db') {
    if (checkpoint !== null || values.has('--trusted-key'))
      throw new UsageError('--checkpoint and --key go with --entries (a replica keeps its own verification state)');
    return { kind: 'db', path };
  }
  return { kind: 'entries', path, checkpoint, trustedKeys: values.get('--trusted-key') ?? [] };
}

function query(values: Map<string, string[]>): IncidentQuery {
  const [which, v] = one(values, '--incident', '--at');
  if (which === '--incident') return { kind: 'incident', id: v };
  try {
    parseInstant(v);
  } catch {
    throw new UsageError(`--at "${v}" is not an RFC 3339 time; write it like 2026-11-25T03:12:45Z`);
  }
  return { kind: 'at', at: v };
}

function limit(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--limit "${v}" must be a whole number ≥ 1`);
  return n;
}

/** Parses the command's arguments; throws UsageError. */
export function parseCorrelateArgs(args: readonly string[]): CorrelateArgs {
  const { values, json } = collect(args);
  const get = (k: string): string | undefined => values.get(k)?.[0];
  return {
    source: source(values),
    query: query(values),
    service: get('--service') ?? null,
    environment: get('--env') ?? null,
    windowSeconds: duration(get('--window'), '--window'),
    skewSeconds: duration(get('--skew'), '--skew'),
    halfLifeSeconds: duration(get('--half-life'), '--half-life'),
    limit: limit(get('--limit')),
    telemetry: get('--telemetry') ?? null,
    json,
  };
}
