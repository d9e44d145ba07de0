/** Errors opening a database, for the server and the admin commands alike: a code, what happened, what to do. */

/** An error opening or migrating a database; `message` starts with the code. */
export class DatabaseOpenError extends Error {
  readonly code: 'E_SCHEMA_NEWER' | 'E_DATABASE_UNREACHABLE' | 'E_DATABASE_URL' | 'E_DATA_DIR_IN_USE';

  constructor(code: DatabaseOpenError['code'], message: string) {
    super(`${code}: ${message}`);
    this.name = 'DatabaseOpenError';
    this.code = code;
  }
}

/** The database was migrated by a newer control plane: refuse it rather than run old code over a newer schema. */
export function schemaNewer(where: string, found: number, known: number): DatabaseOpenError {
  return new DatabaseOpenError(
    'E_SCHEMA_NEWER',
    `${where} has schema version ${found}, newer than the ${known} this control plane knows; run the release that ` +
      'migrated it (or a later one). Nothing was changed.',
  );
}

/** `url` with any password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** The database URL is not a postgres:// URL. */
export function badDatabaseUrl(url: string): DatabaseOpenError {
  return new DatabaseOpenError(
    'E_DATABASE_URL',
    `${redactUrl(url)} is not a PostgreSQL URL; use postgres://user@host:port/database. Nothing was changed.`,
  );
}

/** No connection could be made (or the server refused the login). */
export function unreachable(url: string, cause: unknown): DatabaseOpenError {
  const why = cause instanceof Error ? cause.message || (cause as { code?: string }).code || cause.name : String(cause);
  return new DatabaseOpenError(
    'E_DATABASE_UNREACHABLE',
    `cannot reach the database at ${redactUrl(url)} (${why}); check the URL, that PostgreSQL is running and ` +
      'accepts this user, then retry. Nothing was changed.',
  );
}
