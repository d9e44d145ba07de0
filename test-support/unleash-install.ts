/**
 * Installs the test suite's own Unleash (test-support/unleash: unleash-server pinned by its lockfile, ~200 MB) on
 * demand: `npm ci` once, then never again while the lockfile's hash matches the stamp written after a good install.
 * It is not a dependency of the console. Run directly (`node test-support/unleash-install.ts`) it installs and prints
 * how long it took.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder with package.json, package-lock.json and launch.mjs. */
export const UNLEASH_DIR = fileURLToPath(new URL('./unleash/', import.meta.url));

const STAMP = join(UNLEASH_DIR, 'node_modules', '.tombstone-install');
const ENTRY = join(UNLEASH_DIR, 'node_modules', 'unleash-server', 'package.json');

/** What ensureUnleashInstalled did. */
export interface InstallResult {
  installed: boolean;
  seconds: number;
}

function lockHash(): string {
  return createHash('sha256')
    .update(readFileSync(join(UNLEASH_DIR, 'package-lock.json')))
    .digest('hex');
}

/** True when the pinned Unleash is installed and matches the lockfile. */
export function unleashInstalled(): boolean {
  return existsSync(ENTRY) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === lockHash();
}

/** Runs `npm ci` in test-support/unleash unless already done for this lockfile; throws E_UNLEASH_INSTALL. */
export function ensureUnleashInstalled(): InstallResult {
  if (unleashInstalled()) return { installed: false, seconds: 0 };
  const started = Date.now();
  // --ignore-scripts: nothing of Unleash's needs an install script, and one of its dependencies phones home in one.
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], {
    cwd: UNLEASH_DIR,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 15 * 60_000,
  });
  if (r.status !== 0) {
    throw new Error(
      `E_UNLEASH_INSTALL: npm ci in test-support/unleash failed (exit ${r.status ?? r.signal}). The Unleash test suite ` +
        'needs unleash-server from the npm registry: check your network access to it and retry.',
    );
  }
  writeFileSync(STAMP, lockHash());
  return { installed: true, seconds: (Date.now() - started) / 1000 };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const r = ensureUnleashInstalled();
    process.stderr.write(
      r.installed
        ? `[unleash] test Unleash installed in ${r.seconds.toFixed(1)} s\n`
        : '[unleash] test Unleash already installed\n',
    );
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}
