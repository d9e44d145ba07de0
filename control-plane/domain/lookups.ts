/**
 * Resolving what a request names — a live flag, a configured environment — or refusing with a code. Every domain
 * module uses these (env-change.ts, break-glass.ts, change-requests.ts, …), so they live apart from all of them.
 */
import type { App } from './app.ts';
import { DomainError } from './errors.ts';
import type { FlagRecord } from './flag-def.ts';
import { getFlag, getTombstone } from './flag-repo.ts';

/** The live flag, or FLAG_NOT_FOUND / FLAG_TOMBSTONED. */
export function requireFlag(app: App, key: string): FlagRecord {
  const rec = getFlag(app.db, key);
  if (rec !== null) return rec;
  if (getTombstone(app.db, key) !== null) {
    throw new DomainError(
      'FLAG_TOMBSTONED',
      `${key} was archived (tombstoned); its history stays in the ledger but it cannot change`,
    );
  }
  throw new DomainError('FLAG_NOT_FOUND', `no flag ${key}; check the key (team.domain.purpose)`);
}

/** Throws UNKNOWN_ENVIRONMENT unless `env` is configured. */
export function requireEnv(app: App, env: string): void {
  if (!app.options.environments.includes(env)) {
    throw new DomainError(
      'UNKNOWN_ENVIRONMENT',
      `unknown environment ${env}; known: ${app.options.environments.join(', ')}`,
    );
  }
}
