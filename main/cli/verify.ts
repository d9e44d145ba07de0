/**
 * `tombstone-console verify --db <replica.sqlite> [--quick] [--json]` re-verifies a replica offline;
 * `tombstone-console verify --entries <ledger.ndjson> --checkpoint <note.txt> --key <vkey> [--json]` verifies an
 * export (auditor mode, no database). Exit 0 verified, 1 verification failure, 2 usage or I/O error.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { TrustedKey } from '../../shared/ledger/index.ts';
import { LedgerError, parseVerifierKey } from '../../shared/ledger/index.ts';
import type { VerifyReport } from '../ledger/verify-types.ts';
import { UsageError, parseArgs, single, type ParsedArgs } from './args.ts';
import { progressBar, reportJson, reportText } from './verify-output.ts';
import { fileHighWaterMark } from '../ledger/high-water-mark.ts';
import { sha256 } from '../ledger/node-crypto.ts';
import { codedLine, reportError } from './errors-out.ts';

const USAGE = `Usage:
  tombstone-console verify --db <replica.sqlite> [--quick] [--json] [--key <vkey>]... [--hwm <file>] [--threads <n>]
  tombstone-console verify --entries <ledger.ndjson> --checkpoint <note.txt> --key <vkey>... [--origin <origin>] [--json]
Exit status: 0 verified, 1 verification failure (the report names code and idx), 2 usage or I/O error.`;

class IoError extends Error {}

function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new IoError(
      `E_IO: cannot read ${what} "${path}" (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}); check the path and permissions.`,
    );
  }
}

function keysOf(p: ParsedArgs): TrustedKey[] | undefined {
  const vkeys = [...(p.values.get('--key') ?? []), ...(p.values.get('--trusted-key') ?? [])];
  if (vkeys.length === 0) return undefined;
  return vkeys.map((v) => {
    try {
      return parseVerifierKey(sha256, v.trim());
    } catch (err) {
      throw new UsageError(
        `--key "${v}" is not a verifier key (<name>+<8 hex>+<base64>): ${err instanceof LedgerError ? err.detail : String(err)}`,
      );
    }
  });
}

async function verifyDb(p: ParsedArgs, db: string): Promise<VerifyReport> {
  if (!existsSync(db)) throw new IoError(`E_IO: replica "${db}" does not exist; check the path.`);
  const hwmPath = single(p, '--hwm') ?? `${db}.hwm`;
  const explicitHwm = single(p, '--hwm') !== undefined;
  const threadsArg = single(p, '--threads');
  const threads = threadsArg === undefined ? undefined : Number(threadsArg);
  if (threads !== undefined && (!Number.isSafeInteger(threads) || threads < 0))
    throw new UsageError('--threads must be a non-negative integer');
  const hwm = explicitHwm || plainMarkExists(hwmPath) ? fileHighWaterMark(hwmPath) : null;
  const bar = progressBar();
  const ac = new AbortController();
  const onSigint = (): void => ac.abort(new Error('E_CANCELLED: verification interrupted'));
  process.once('SIGINT', onSigint);
  try {
    const { verifyReplicaFile } = await import('../ledger/verify-run.ts');
    return await verifyReplicaFile(db, {
      mode: p.flags.has('--quick') ? 'quick' : 'deep',
      threads,
      trustedKeys: keysOf(p),
      highWaterMark: hwm,
      onProgress: bar.update,
      signal: ac.signal,
    });
  } finally {
    process.off('SIGINT', onSigint);
    bar.done();
  }
}

/** The default mark next to the database is checked when it is plain JSON (an app-encrypted one needs --hwm and the app). */
function plainMarkExists(path: string): boolean {
  if (!existsSync(path)) return false;
  try {
    JSON.parse(readFileSync(path, 'utf8'));
    return true;
  } catch {
    return false;
  }
}

async function verifyEntries(p: ParsedArgs, entries: string): Promise<VerifyReport> {
  const checkpoint = single(p, '--checkpoint');
  const keys = keysOf(p);
  if (checkpoint === undefined) throw new UsageError('--entries needs --checkpoint <note.txt>');
  if (keys === undefined) throw new UsageError("--entries needs at least one --key <vkey> (the log's verifier key)");
  const { verifyExport } = await import('../ledger/verify-export.ts');
  const note = readInput(checkpoint, 'checkpoint').toString('utf8');
  return verifyExport({
    entries: readInput(entries, 'ledger export'),
    note,
    trusted: keys,
    origin: single(p, '--origin'),
  });
}

async function verify(p: ParsedArgs): Promise<VerifyReport> {
  const [db, entries] = [single(p, '--db'), single(p, '--entries')];
  if ((db === undefined) === (entries === undefined))
    throw new UsageError('give exactly one of --db <replica.sqlite> or --entries <ledger.ndjson>');
  if (db !== undefined) {
    if (p.values.has('--checkpoint') || p.values.has('--origin'))
      throw new UsageError('--checkpoint and --origin go with --entries, not --db');
    return verifyDb(p, db);
  }
  if (p.flags.has('--quick') || p.values.has('--hwm') || p.values.has('--threads'))
    throw new UsageError('--quick, --hwm and --threads go with --db');
  return verifyEntries(p, entries ?? '');
}

function fail(err: unknown, json: boolean): number {
  if (err instanceof UsageError) reportError(`E_USAGE: ${err.message}.\n${USAGE}`, json);
  else if (err instanceof IoError) reportError(err.message, json);
  else reportError(codedLine(err), json);
  return 2;
}

/** Runs `verify`; resolves to the exit status. */
export async function run(args: readonly string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const p = parseArgs(
      args,
      ['--db', '--entries', '--checkpoint', '--key', '--trusted-key', '--hwm', '--threads', '--origin'],
      ['--quick', '--json'],
    );
    const report = await verify(p);
    process.stdout.write(
      p.flags.has('--json') ? `${JSON.stringify(reportJson(report), null, 2)}\n` : reportText(report),
    );
    return report.ok ? 0 : 1;
  } catch (err) {
    return fail(err, args.includes('--json'));
  }
}
