#!/usr/bin/env node
// `npm start` after bootstrap: builds, starts the reference control plane on loopback with the demo
// scenario (unless --connect <url> or --unleash <url> is given, with its token in TOMBSTONE_TOKEN or --token-file <path>), then
// opens the console connected to it — the Electron window when Electron's binary is installed, otherwise
// browser mode (prints the URL; --open opens it). With the demo it prints how to open a second console as
// another demo person (token files, mode 0600).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoPeople, keyFingerprintLines, secondConsoleCommands } from './second-console.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const children = [];

function log(msg) {
  process.stdout.write(`[start] ${msg}\n`);
}

function shutdown(code) {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 300).unref();
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

/** Spawns a Node 22 child and resolves with its first output matching `ready`. */
function startAndWait(args, ready, env = {}) {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk.toString();
      const m = out.match(ready);
      if (m) resolve({ child, out, match: m });
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code} before it was ready:\n${out}`)));
  });
}

async function startControlPlane() {
  if (!existsSync(join(root, 'control-plane', 'cli.ts'))) {
    log('the reference control plane is not part of this build yet; the console starts unconnected.');
    return null;
  }
  const data = option('--data') ?? mkdtempSync(join(tmpdir(), 'tombstone-demo-'));
  const args = ['control-plane/cli.ts', '--port', option('--control-plane-port') ?? '0', '--data', data, '--demo'];
  if (option('--seed')) args.push('--seed', option('--seed'));
  const { child, out, match } = await startAndWait(
    args,
    /control-plane listening on (http:\/\/127\.0\.0\.1:\d+)[\s\S]*demo token admin \S+ (\S+)/,
  );
  child.stdout.on('data', (c) => process.stdout.write(c));
  // The demo control plane runs on this machine and printed its verifier keys: the console pins them directly.
  const keys = [...out.matchAll(/^ledger key (\S+)$/gm)].map((m) => m[1]);
  log(`control plane with the demo scenario at ${match[1]} (data in ${data})`);
  // A console asked to confirm the signing key (trust on first use) shows this fingerprint: compare them.
  for (const line of keyFingerprintLines(keys)) log(line);
  printSecondConsoles(match[1], keys, demoPeople(out));
  return { url: match[1], token: match[2], keys, demo: true };
}

/** Prints how to open a second console as each other demo person; tokens go to 0600 files, never on a command line. */
function printSecondConsoles(url, keys, people) {
  const dir = mkdtempSync(join(tmpdir(), 'tombstone-demo-people-'));
  const others = secondConsoleCommands({ url, keys, dir, people: people.filter((p) => p.role !== 'admin') });
  log(`this console acts as ${people.find((p) => p.role === 'admin')?.name ?? 'the admin'}; to act as someone else`);
  log(`(e.g. the second approver of a four-eyes change), open a second console with their token file (mode 0600):`);
  for (const p of others) log(`  ${p.name} (${p.role}):  ${p.command}`);
}

function electronBinary() {
  const pathFile = join(root, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathFile)) return null;
  const exe = join(root, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(exe) ? exe : null;
}

async function main() {
  if (spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' }).status !== 0) {
    log('E_BUILD: the build failed (see above); nothing was started.');
    process.exit(1);
  }
  // --unleash <url> opens the console on an Unleash (its admin token in --token-file or TOMBSTONE_TOKEN): no demo.
  const unleash = option('--unleash');
  const connect = option('--connect') ?? unleash;
  // A token file is passed on as is (the console checks its mode); a token is handed over in the environment.
  const tokenFile = option('--token-file');
  const target = connect
    ? { url: connect, token: tokenFile ? '' : (option('--token') ?? process.env.TOMBSTONE_TOKEN ?? '') }
    : await startControlPlane();
  const consoleArgs = target
    ? [unleash ? '--unleash' : '--connect', target.url, ...(target.keys ?? []).flatMap((k) => ['--trust', k])]
    : [];
  const environment = option('--environment');
  if (environment) consoleArgs.push('--environment', environment);
  if (connect && tokenFile) consoleArgs.push('--token-file', tokenFile);
  // The demo is new on every start (fresh history and keys), so its console data is too.
  if (target?.demo) consoleArgs.push('--data', mkdtempSync(join(tmpdir(), 'tombstone-console-')));
  const env = target?.token ? { TOMBSTONE_TOKEN: target.token } : {};
  const electron = flag('--browser') ? null : electronBinary();
  if (electron) {
    log('opening the Electron window');
    const child = spawn(electron, [join(root, 'out', 'main', 'index.js'), ...consoleArgs], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: 'inherit',
    });
    children.push(child);
    child.once('exit', (code) => shutdown(code ?? 0));
    return;
  }
  const serveArgs = [
    'main/cli/index.ts',
    'serve',
    '--port',
    option('--port') ?? '0',
    ...consoleArgs,
    ...(flag('--open') ? ['--open'] : []),
  ];
  const { child, match } = await startAndWait(serveArgs, /console \(browser mode\) at (\S+)/, env);
  log(`Electron is not installed here, so the console runs in browser mode. Open:\n\n    ${match[1]}\n`);
  child.once('exit', (code) => shutdown(code ?? 0));
}

main().catch((err) => {
  log(`E_START: ${err instanceof Error ? err.message : String(err)}`);
  shutdown(1);
});
