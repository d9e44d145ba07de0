/**
 * `tombstone-console correlate (--db <replica> | --entries <export>) (--incident <id> | --at <time>) …`: ranks the flag
 * changes most likely to have caused an incident, offline, from a replica or an exported ledger. Exit 0 with a ranking
 * (possibly empty), 1 when the incident is not in the ledger or the checkpoint does not verify, 2 on usage or I/O errors.
 */
import { readFileSync } from 'node:fs';
import {
  isCorrelateError,
  type CorrelateOptions,
  type CorrelationResult,
  type Telemetry,
} from '../../shared/correlate/index.ts';
import { UsageError } from './args.ts';
import { parseCorrelateArgs, USAGE, type CorrelateArgs } from './correlate-args.ts';
import { CorrelateInputError } from '../correlate/errors.ts';
import { formatResult } from './correlate-format.ts';
import { rankExport } from '../correlate/rank-export.ts';
import { parseTelemetry } from '../correlate/telemetry-file.ts';
import { reportError } from './errors-out.ts';

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const reason = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable';
    throw new CorrelateInputError('E_IO', `cannot read ${what} "${path}" (${reason}); check the path and permissions.`);
  }
}

async function rank(a: CorrelateArgs): Promise<CorrelationResult> {
  const options: CorrelateOptions = {
    windowSeconds: a.windowSeconds,
    skewSeconds: a.skewSeconds,
    halfLifeSeconds: a.halfLifeSeconds,
    limit: a.limit,
  };
  const telemetry: Telemetry | null =
    a.telemetry === null ? null : parseTelemetry(readText(a.telemetry, 'telemetry file'));
  if (a.source.kind === 'entries') {
    const checkpoint = a.source.checkpoint === null ? null : readText(a.source.checkpoint, 'checkpoint');
    return rankExport({
      text: readText(a.source.path, 'ledger export'),
      checkpoint,
      trustedKeys: a.source.trustedKeys,
      query: a.query,
      service: a.service,
      environment: a.environment,
      options,
      telemetry,
    });
  }
  const { rankReplicaFile } = await import('../correlate/replica-file.ts');
  return rankReplicaFile({
    path: a.source.path,
    query: a.query,
    service: a.service,
    environment: a.environment,
    options,
    telemetry,
  });
}

function failure(err: unknown, json: boolean): number {
  if (err instanceof CorrelateInputError) {
    reportError(err.message, json);
    return err.code === 'E_CHECKPOINT' ? 1 : 2;
  }
  if (isCorrelateError(err)) {
    reportError(`E_${err.message}`, json);
    return err.code === 'INCIDENT_NOT_FOUND' ? 1 : 2;
  }
  throw err;
}

/** Runs the command; resolves to the exit status. */
export async function run(args: readonly string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let parsed: CorrelateArgs;
  try {
    parsed = parseCorrelateArgs(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    reportError(`E_USAGE: ${err.message}.\n${USAGE}`, args.includes('--json'));
    return 2;
  }
  try {
    const result = await rank(parsed);
    process.stdout.write(parsed.json ? `${JSON.stringify(result, null, 2)}\n` : formatResult(result));
    return 0;
  } catch (err) {
    return failure(err, parsed.json);
  }
}
