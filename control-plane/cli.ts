/**
 * Entry point: `npm run control-plane -- --port <p> --data <dir> [--demo]` serves; `… user add <name> --role <r>
 * --data <dir>` mints a token. Other tools parse stdout: the `control-plane listening on <url>` line, then (with
 * --demo) one `demo token <role> <name> <token>` line per demo person; all are written in one write.
 */
import { BackupError, backupDataDir, checkBackup, type BackupReport } from './db/backup.ts';
import { redactUrl } from './db/db-errors.ts';
import { openPgSql, openSqliteSql } from './db/open-db.ts';
import type { Sql } from './db/sql.ts';
import { addUser } from './db/users.ts';
import { USAGE, parseCommand } from './cli-args.ts';
import type { Command, DbTarget } from './cli-args.ts';
import { startControlPlane } from './server.ts';
import { resolveOptions } from './options.ts';
import { addSdkKey } from './sdk-delivery/keys.ts';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

async function serve(command: Extract<Command, { kind: 'serve' }>): Promise<void> {
  const cp = await startControlPlane(command.options);
  const lines = [
    `control-plane listening on ${cp.url}`,
    `ledger origin ${cp.origin}`,
    ...cp.verifierKeys.map((k) => `ledger key ${k}`),
    ...cp.demoTokens.map((t) => `demo token ${t.role} ${t.name} ${t.token}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    cp.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** The database an admin command writes to, and how to name it in its output. */
async function openTarget(target: DbTarget): Promise<{ sql: Sql; where: string }> {
  if (target.database !== undefined)
    return { sql: await openPgSql(target.database, 1), where: redactUrl(target.database) };
  return { sql: openSqliteSql(target.dataDir), where: target.dataDir };
}

async function userAddCommand(command: Extract<Command, { kind: 'user-add' }>): Promise<void> {
  const { sql, where } = await openTarget(command);
  try {
    const token = await addUser(sql, command.name, command.role);
    process.stdout.write(
      `user ${command.name} (${command.role}) added to ${where}; the token below is shown only once:\n${token}\n`,
    );
  } finally {
    await sql.close();
  }
}

async function sdkKeyAddCommand(command: Extract<Command, { kind: 'sdk-key-add' }>): Promise<void> {
  const known = resolveOptions({ dataDir: command.dataDir ?? '' }).environments;
  if (!known.includes(command.environment)) {
    process.stderr.write(
      `E_UNKNOWN_ENVIRONMENT: no environment ${command.environment}; known: ${known.join(', ')}. Nothing was created.\n`,
    );
    process.exit(2);
  }
  const { sql, where } = await openTarget(command);
  try {
    const { id, key } = await addSdkKey(sql, command.environment, command.name, 'cli');
    process.stdout.write(
      `SDK key ${id} (${command.name}, read-only, environment ${command.environment}) added to ${where}; the key below is shown only once:\n${key}\n`,
    );
  } finally {
    await sql.close();
  }
}

async function backupCommand(command: Extract<Command, { kind: 'backup' | 'backup-check' }>): Promise<void> {
  try {
    if (command.kind === 'backup-check') {
      const r = checkBackup(command.file);
      process.stdout.write(`${command.file}: ${describeBackup(r)}\n`);
      return;
    }
    const r = await backupDataDir(command.dataDir, command.out);
    process.stdout.write(
      `backup of ${command.dataDir} written to ${r.file} (${r.bytes} bytes): ${describeBackup(r)}. The signing keys ` +
        `(keys/) and the secret are not in it: back them up separately.\n`,
    );
  } catch (err) {
    if (!(err instanceof BackupError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

function describeBackup(r: Pick<BackupReport, 'entries' | 'checkpoint'>): string {
  const cp = r.checkpoint;
  return cp === null
    ? `${r.entries} entries, every leaf matches its hash; no signed checkpoint yet`
    : `${r.entries} entries, every leaf matches its hash and they reproduce the signed checkpoint at size ${cp.size} (root ${cp.rootHex})`;
}

async function main(): Promise<void> {
  let command: Command;
  try {
    command = parseCommand(process.argv.slice(2));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (command.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command.kind === 'user-add') {
    await userAddCommand(command);
    return;
  }
  if (command.kind === 'sdk-key-add') {
    await sdkKeyAddCommand(command);
    return;
  }
  if (command.kind === 'backup' || command.kind === 'backup-check') {
    await backupCommand(command);
    return;
  }
  await serve(command);
}

main().catch((err: unknown) => {
  process.stderr.write(`control-plane: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
