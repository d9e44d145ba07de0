/**
 * Entry of the `tombstone-console` headless CLI. Each command lives in its own module and is loaded
 * only when invoked, so `--help` stays fast and a command's dependencies never slow another.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commands } from './commands.ts';

/** Exit statuses shared by every command: 0 success, 1 the check failed, 2 usage or I/O error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

function version(): string {
  const pkg: unknown = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg ? String(pkg.version) : 'unknown';
}

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: tombstone-console <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  --help, -h     show this help (or `tombstone-console <command> --help`)',
    '  --version, -v  print the version',
    '',
    'Exit status: 0 success, 1 check failed, 2 usage or I/O error. See docs/cli.md.',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script) and resolves to the exit status. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(help() + '\n');
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(version() + '\n');
    return EXIT.ok;
  }
  const command = commands.find((c) => c.name === first);
  if (!command) {
    process.stderr.write(`E_USAGE: unknown command "${first}". Run \`tombstone-console --help\` for the list.\n`);
    return EXIT.usage;
  }
  const mod = await command.load();
  return mod.run(rest);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`E_INTERNAL: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
