/**
 * `tombstone-console export --db <replica.sqlite> --out <dir>` writes what an auditor needs to verify the ledger
 * elsewhere: entries.ndjson (exact leaf bytes, one per line), every stored checkpoint note (checkpoints/<size>.txt and
 * the latest as checkpoint.txt), the trust store (trusted-keys.txt / .json) and manifest.json. Exit 0, or 2 on usage
 * or I/O errors.
 */
import { existsSync } from 'node:fs';
import { UsageError, parseArgs, single } from './args.ts';
import { codedLine, reportError } from './errors-out.ts';

const USAGE = `Usage:
  tombstone-console export --db <replica.sqlite> --out <dir> [--json]
Then, anywhere: tombstone-console verify --entries <dir>/entries.ndjson --checkpoint <dir>/checkpoint.txt --key <vkey>
Exit status: 0 exported, 2 usage or I/O error.`;

/** Runs `export`; resolves to the exit status. */
export async function run(args: readonly string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const p = parseArgs(args, ['--db', '--out'], ['--json']);
    const [db, out] = [single(p, '--db'), single(p, '--out')];
    if (db === undefined || out === undefined)
      throw new UsageError('export needs --db <replica.sqlite> and --out <dir>');
    if (!existsSync(db)) {
      reportError(`E_IO: replica "${db}" does not exist; check the path.`, p.flags.has('--json'));
      return 2;
    }
    const { exportReplica } = await import('../ledger/export.ts');
    const s = exportReplica(db, out);
    process.stdout.write(
      p.flags.has('--json')
        ? `${JSON.stringify({ origin: s.origin, entries: s.entries, verified_size: s.verifiedSize, root: s.root, checkpoints: s.checkpoints, files: s.files }, null, 2)}\n`
        : `Exported ${s.entries} entries (${s.verifiedSize} verified), ${s.checkpoints} checkpoint(s) and the trust store of ${s.origin} to ${out}\n`,
    );
    return 0;
  } catch (err) {
    reportError(
      err instanceof UsageError ? `E_USAGE: ${err.message}.\n${USAGE}` : codedLine(err),
      args.includes('--json'),
    );
    return 2;
  }
}
