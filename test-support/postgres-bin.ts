/**
 * Where PostgreSQL's server binaries are and as whom they run: `TOMBSTONE_PG_BIN` (then only there), else Debian's
 * /usr/lib/postgresql/<major>/bin (newest first, major ≥ 15), else `pg_config --bindir`; as root, the `postgres` user.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Oldest major version the test suites accept (Unleash 8 needs 15). */
export const MIN_POSTGRES_MAJOR = 15;

/** A failure to provide PostgreSQL for tests: the code and a sentence that says what to do. */
export class PostgresSetupError extends Error {
  /** E_NO_POSTGRES, E_POSTGRES_USER or E_POSTGRES_START. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = 'PostgresSetupError';
    this.code = code;
  }
}

/** The unprivileged account the cluster runs as (only when we are root). */
export interface PostgresUser {
  name: string;
  uid: number;
  gid: number;
}

function majorOf(bin: string): number | null {
  const r = spawnSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const m = /\(PostgreSQL\) (\d+)/.exec(r.stdout ?? '');
  return m?.[1] === undefined ? null : Number(m[1]);
}

function hasServer(bin: string): boolean {
  return ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(join(bin, b)));
}

function candidates(): string[] {
  const out: string[] = [];
  // An explicit choice is the only candidate: a wrong one fails loudly instead of silently using another server.
  const env = process.env['TOMBSTONE_PG_BIN'];
  if (env) return [env];
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const majors = readdirSync(debian)
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(b) - Number(a));
    for (const m of majors) out.push(join(debian, m, 'bin'));
  }
  const cfg = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8', timeout: 10_000 });
  if (cfg.status === 0 && cfg.stdout.trim() !== '') out.push(cfg.stdout.trim());
  return out;
}

/** The directory holding initdb, pg_ctl and postgres of a PostgreSQL ≥ 15; throws E_NO_POSTGRES. */
export function findPostgresBin(): string {
  const found = candidates().filter(hasServer);
  const ok = found.find((bin) => (majorOf(bin) ?? 0) >= MIN_POSTGRES_MAJOR);
  if (ok !== undefined) return ok;
  const seen = found.length ? ` (found only older versions in ${found.join(', ')})` : '';
  throw new PostgresSetupError(
    'E_NO_POSTGRES',
    `PostgreSQL ${MIN_POSTGRES_MAJOR} or newer is not installed${seen}. \`npm test\` installs it as root on Debian ` +
      '(apt-get install postgresql); elsewhere install it yourself and, if its binaries are not on the PATH, set ' +
      'TOMBSTONE_PG_BIN to the directory holding initdb, pg_ctl and postgres.',
  );
}

/** As root: the `postgres` account from /etc/passwd (throws E_POSTGRES_USER if missing); otherwise null. */
export function postgresUser(): PostgresUser | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [name, , uid, gid] = line?.split(':') ?? [];
  if (name === undefined || uid === undefined || gid === undefined) {
    throw new PostgresSetupError(
      'E_POSTGRES_USER',
      'running as root, but there is no unprivileged `postgres` user to run the test cluster as (PostgreSQL refuses ' +
        'to run as root). Install Debian’s postgresql package, which creates it, or run the tests as a normal user.',
    );
  }
  return { name, uid: Number(uid), gid: Number(gid) };
}
