/** Starts the product's real processes for e2e tests and waits for the lines they print when ready. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE = process.execPath;

/** A child process started for a test, with the line that announced readiness. */
export interface Started {
  child: ChildProcess;
  match: RegExpMatchArray;
  output: () => string;
  stop(): Promise<void>;
}

/** Children still running, so a test that timed out (its `finally` cut short) cannot leave them behind. */
const running = new Map<ChildProcess, () => Promise<void>>();
process.once('exit', () => {
  for (const child of running.keys()) child.kill('SIGKILL');
});

/** What each child started since the last `takeOutputs()` printed (the command and its output so far). */
const outputs: { command: string; output: () => string }[] = [];

/** The outputs of the children started since the last call, for the report of a failed test; forgets them. */
export function takeOutputs(): { command: string; output: string }[] {
  return outputs.splice(0).map((o) => ({ command: o.command, output: o.output() }));
}

/** Stops every child process this worker started that is still running (a safety net for `afterEach`). */
export async function stopStartedProcesses(): Promise<void> {
  await Promise.all([...running.values()].map((stop) => stop()));
}

/** Spawns `args` with Node 22 and resolves once stdout matches `ready`; rejects on exit or timeout. */
export function startProcess(
  args: string[],
  ready: RegExp,
  timeoutMs = 30_000,
  env: NodeJS.ProcessEnv = {},
): Promise<Started> {
  const child = spawn(NODE, ['--disable-warning=ExperimentalWarning', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  outputs.push({ command: args.join(' '), output: () => out });
  child.once('exit', () => running.delete(child));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  running.set(child, stop);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`timed out waiting for ${ready}; output:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = out.match(ready);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match, output: () => out, stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready; output:\n${out}`));
    });
  });
}

/** Starts `tombstone-console serve` (browser mode) and returns its URL with the session token. */
export async function startConsole(
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<Started & { url: string }> {
  const started = await startProcess(
    ['main/cli/index.ts', 'serve', '--port', '0', ...extra],
    /console \(browser mode\) at (\S+)/,
    30_000,
    env,
  );
  return { ...started, url: started.match[1]! };
}

/** A running reference control plane with the tokens and keys it printed. */
export interface ControlPlaneProcess extends Started {
  url: string;
  origin: string;
  keys: string[];
  /** Demo people in the order printed (two approvers exist, so look them up by name or role). */
  people: { role: string; name: string; token: string }[];
  dataDir: string;
}

/** Starts the reference control plane (`control-plane/cli.ts`) on an ephemeral loopback port (unless `extra` names `--port`); it prints all its lines in one write. */
export async function startControlPlaneProcess(dataDir: string, extra: string[] = []): Promise<ControlPlaneProcess> {
  const port = extra.includes('--port') ? [] : ['--port', '0'];
  const started = await startProcess(
    ['control-plane/cli.ts', ...port, '--data', dataDir, ...extra],
    /control-plane listening on (\S+)\n/,
  );
  const text = started.output();
  const people = [...text.matchAll(/^demo token (\S+) (\S+) (\S+)$/gm)].map((m) => ({
    role: m[1]!,
    name: m[2]!,
    token: m[3]!,
  }));
  return {
    ...started,
    url: /control-plane listening on (\S+)/.exec(text)![1]!,
    origin: /^ledger origin (\S+)$/m.exec(text)?.[1] ?? '',
    keys: [...text.matchAll(/^ledger key (\S+)$/gm)].map((m) => m[1]!),
    people,
    dataDir,
  };
}

/**
 * Starts a stopped control plane again on the same port and data dir, without `--demo`: the stored ledger, origin and
 * signing keys are reused (control-plane/app-setup.ts), and the tokens printed at the first start stay valid.
 */
export async function restartControlPlaneProcess(
  previous: ControlPlaneProcess,
  extra: string[] = [],
): Promise<ControlPlaneProcess> {
  const restarted = await startControlPlaneProcess(previous.dataDir, ['--port', new URL(previous.url).port, ...extra]);
  return { ...restarted, people: previous.people };
}
