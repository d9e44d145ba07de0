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

/** Spawns `args` with Node 22 and resolves once stdout matches `ready`; rejects on exit or timeout. */
export function startProcess(args: string[], ready: RegExp, timeoutMs = 30_000, env: NodeJS.ProcessEnv = {}): Promise<Started> {
  const child = spawn(NODE, ['--disable-warning=ExperimentalWarning', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { void stop(); reject(new Error(`timed out waiting for ${ready}; output:\n${out}`)); }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = out.match(ready);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match, output: () => out, stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => { out += c.toString(); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`exited with ${code} before ready; output:\n${out}`)); });
  });
}

/** Starts `tombstone-console serve` (browser mode) and returns its URL with the session token. */
export async function startConsole(extra: string[] = []): Promise<Started & { url: string }> {
  const started = await startProcess(['main/cli/index.ts', 'serve', '--port', '0', ...extra], /console \(browser mode\) at (\S+)/);
  return { ...started, url: started.match[1]! };
}
