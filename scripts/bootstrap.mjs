#!/usr/bin/env node
// Dependency-free bootstrap for the two README commands. Runs on any Node >= 20 (the system Node of a
// fresh machine), installs what is missing, then hands over to the repository's Node 22.
//   node scripts/bootstrap.mjs start [args...]   -> scripts/start.mjs
//   node scripts/bootstrap.mjs test  [args...]   -> scripts/test.mjs
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [command = 'start', ...rest] = process.argv.slice(2);
const isWin = process.platform === 'win32';
const node22 = join(root, 'node_modules', '.bin', isWin ? 'node.cmd' : 'node');
const stamp = join(root, 'node_modules', '.tombstone-install');

function log(msg) {
  process.stderr.write(`[bootstrap] ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: isWin, ...opts });
  return r.status === 0;
}

function lockHash() {
  const file = existsSync(join(root, 'package-lock.json')) ? 'package-lock.json' : 'package.json';
  return createHash('sha256')
    .update(readFileSync(join(root, file)))
    .digest('hex');
}

function ensureNodeModules() {
  const want = lockHash();
  if (existsSync(node22) && existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  log('installing dependencies (npm ci; the Electron binary download is skipped here and tried separately)');
  const started = Date.now();
  // Electron's binary cannot always be downloaded (closed networks); never let that fail the install.
  const env = { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' };
  const args = existsSync(join(root, 'package-lock.json'))
    ? ['ci', '--no-audit', '--no-fund']
    : ['install', '--no-audit', '--no-fund'];
  if (!run('npm', args, { env })) {
    log(
      'E_INSTALL: npm could not install the dependencies (see above). Check your network access to the npm registry and retry.',
    );
    process.exit(2);
  }
  writeFileSync(stamp, want);
  log(`dependencies installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function ensureElectronBinary() {
  const pathFile = join(root, 'node_modules', 'electron', 'path.txt');
  const marker = join(root, 'node_modules', '.tombstone-electron-tried');
  if (existsSync(pathFile) || existsSync(marker) || process.env.TOMBSTONE_SKIP_ELECTRON === '1') return;
  log('trying to download the Electron binary (optional; browser mode works without it)');
  const ok = run(node22, [join(root, 'node_modules', 'electron', 'install.js')], { stdio: 'ignore', timeout: 120_000 });
  writeFileSync(marker, new Date().toISOString());
  log(
    ok && existsSync(pathFile)
      ? 'Electron binary installed'
      : 'Electron binary not available here; the console will run in browser mode',
  );
}

function findChromium() {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
  ];
  return candidates.find((c) => c && existsSync(c)) ?? null;
}

function ensureChromium() {
  if (findChromium()) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (process.platform === 'linux' && isRoot && existsSync('/usr/bin/apt-get')) {
    log('installing Debian chromium for the browser tests (apt-get install chromium)');
    run('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    if (
      run('apt-get', ['install', '-y', '-qq', 'chromium'], {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      }) &&
      findChromium()
    )
      return;
  }
  log(
    'E_NO_CHROMIUM: no Chromium/Chrome found. Install one (Debian: apt-get install chromium) or set CHROMIUM_PATH, then retry.',
  );
  process.exit(2);
}

// PostgreSQL >= 15 server binaries for the suites that start a throwaway cluster (test-support/postgres.ts).
function findPostgres() {
  const explicit = process.env.TOMBSTONE_PG_BIN;
  if (explicit) return existsSync(join(explicit, 'initdb')) ? explicit : null;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const major = readdirSync(base)
    .filter((d) => /^\d+$/.test(d) && Number(d) >= 15 && existsSync(join(base, d, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return major === undefined ? null : join(base, major, 'bin');
}

// Debian's package creates and starts a "main" cluster on port 5432 unless told not to; the tests need only the
// binaries. Stop any cluster that is running anyway (e.g. one created by an older postgresql-common).
function stopSystemClusters() {
  const r = spawnSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' });
  for (const line of (r.stdout ?? '').split('\n')) {
    const [version, name, , status] = line.trim().split(/\s+/);
    if (status === 'online') {
      log(`stopping the system PostgreSQL cluster ${version}/${name} the package started (the tests do not use it)`);
      run('pg_ctlcluster', [version, name, 'stop'], { stdio: 'ignore' });
    }
  }
}

function ensurePostgres() {
  if (findPostgres()) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (process.platform === 'linux' && isRoot && existsSync('/usr/bin/apt-get') && !process.env.TOMBSTONE_PG_BIN) {
    log(
      'installing Debian PostgreSQL for the Unleash test suite (apt-get install postgresql, without a system cluster)',
    );
    const started = Date.now();
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    run('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    const common = run('apt-get', ['install', '-y', '-qq', 'postgresql-common'], { env });
    if (common)
      run('pg_conftool', ['/etc/postgresql-common/createcluster.conf', 'set', 'create_main_cluster', 'false']);
    if (common && run('apt-get', ['install', '-y', '-qq', 'postgresql'], { env })) stopSystemClusters();
    if (findPostgres()) {
      log(`PostgreSQL installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return;
    }
  }
  // Not fatal here: the other suites run, and every test that needs PostgreSQL fails with E_NO_POSTGRES.
  log(
    'E_NO_POSTGRES: PostgreSQL 15 or newer was not found and cannot be installed here; the Unleash tests will fail. ' +
      'Install it (Debian: apt-get install postgresql) or set TOMBSTONE_PG_BIN to its bin directory.',
  );
}

ensureNodeModules();
ensureElectronBinary();
if (command === 'test') {
  ensureChromium();
  ensurePostgres();
}
const target = join(root, 'scripts', `${command}.mjs`);
if (!existsSync(target)) {
  log(`E_USAGE: unknown bootstrap command "${command}" (expected start or test).`);
  process.exit(2);
}
const r = spawnSync(node22, [target, ...rest], { cwd: root, stdio: 'inherit', shell: isWin });
if (r.signal) process.kill(process.pid, r.signal);
process.exit(r.status ?? 1);
