/**
 * `tombstone-console serve [--port <n>] [--open] [--connect <url>] [--token-file <path>]`: browser mode.
 * Runs the console's services and serves the built renderer on 127.0.0.1 until interrupted.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startBrowserHost } from '../browser-host/server.ts';
import { startConsoleServices } from '../console-services.ts';
import { AppError } from '../ipc/app-error.ts';
import { parseShellArgs, ShellArgsError } from '../shell-args.ts';
import { join } from 'node:path';
import { defaultDataDir } from '../data-dir.ts';
import { plainCodec } from '../ledger/high-water-mark.ts';
import { openRotatingLog, type LogLevel } from '../log/rotating-log.ts';
import { fileModeSecretBox } from '../profiles/secret-box.ts';
import { TOKEN_ON_COMMAND_LINE, TokenFileError } from '../token-file.ts';
import { exitAfterGrace, untilSignal } from './shutdown.ts';

const USAGE = `Usage: tombstone-console serve [--port <n>] [--open] [--data <dir>]
       [--connect <url> [--token-file <path> | --token <t>] [--environment <env>] [--trust <vkey>]...]
       [--unleash <url> [--token-file <path> | --token <t>] [--environment <env>]]
  The token: TOMBSTONE_TOKEN=<t> in the environment, or --token-file <path> (mode 0600), keep it out of the process
  list; --token <t> works but every user of the machine can read it there.`;

function openInBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`Could not open a browser (${cmd}); open the URL above yourself.\n`));
  child.unref();
}

/** Runs browser mode; resolves when interrupted. */
export async function run(args: readonly string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let parsed;
  try {
    parsed = parseShellArgs(args, process.env);
  } catch (err) {
    if (err instanceof TokenFileError) process.stderr.write(`${err.code}: ${err.message}\n`);
    else if (err instanceof ShellArgsError) process.stderr.write(`E_USAGE: ${err.message}\n${USAGE}\n`);
    else throw err;
    return 2;
  }
  if (args.includes('--token')) process.stderr.write(`${TOKEN_ON_COMMAND_LINE}\n`);
  const rendererDir =
    process.env['TOMBSTONE_RENDERER_DIR'] ?? fileURLToPath(new URL('../../out/renderer', import.meta.url));
  if (!existsSync(`${rendererDir}/index.html`)) {
    process.stderr.write(
      `E_NOT_BUILT: the renderer is not built (${rendererDir} has no index.html). Run \`npm run build\` first.\n`,
    );
    return 2;
  }
  const dataDir = parsed.dataDir ?? defaultDataDir();
  const logger = openRotatingLog({ file: join(dataDir, 'logs', 'console.log') });
  const log = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => logger.log(level, msg, fields);
  const services = startConsoleServices(
    {
      mode: 'browser',
      dataDir,
      secretBox: fileModeSecretBox(),
      hwmCodec: plainCodec,
      bootstrap: parsed.connect,
      log,
      // Browser mode has no native notifications; alerts reach the page as events and are logged here.
      notify: (spec) => log('info', `notification: ${spec.title}`, { body: spec.body }),
    },
    (channel, err) =>
      log('error', 'handler failed', {
        channel,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      }),
  );
  try {
    await services.ready;
  } catch (err) {
    await services.stop();
    const coded =
      err instanceof AppError
        ? `${err.code}: ${err.message}`
        : `E_START: ${err instanceof Error ? err.message : String(err)}`;
    process.stderr.write(`${coded}\n`);
    return 2;
  }
  const host = await startBrowserHost({ services, rendererDir, port: parsed.port ?? 0 });
  process.stdout.write(`console (browser mode) at ${host.url}\n`);
  if (parsed.open) openInBrowser(host.url);
  const signal = await untilSignal();
  log('info', `${signal}: stopping`);
  exitAfterGrace(0, undefined, (line) => log('warn', line));
  await host.close();
  await services.stop();
  return 0;
}
