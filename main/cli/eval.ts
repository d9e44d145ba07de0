/**
 * `tombstone-console eval --url <cp> (--sdk-key-file <path> | TOMBSTONE_SDK_KEY | --sdk-key <k>) (--flag <key>... |
 * --all) (--context <json> | --contexts <file.ndjson>) [--json]`: runs the real SDK (connect, wait until ready,
 * evaluate locally) and prints one result per flag and context, in input order.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TombstoneClient } from '../../sdk/client.ts';
import type { EvalContext } from '../../shared/eval/index.ts';
import { readTokenFile } from '../token-file.ts';
import { UsageError } from './args.ts';
import { codedLine, reportError } from './errors-out.ts';

const USAGE = `Usage: tombstone-console eval --url <control plane> (--flag <key>... | --all)
         (--context <json> | --contexts <file.ndjson>) [--json] [--timeout 10s]
         [--sdk-key-file <path> | --sdk-key <key>]   (default: TOMBSTONE_SDK_KEY)`;

const W_KEY =
  'W_SDK_KEY_ON_COMMAND_LINE: --sdk-key is visible to every user of this machine in the process list; prefer TOMBSTONE_SDK_KEY=<k> or --sdk-key-file <path> (mode 0600).';

interface EvalArgs {
  url: string;
  sdkKey: string;
  flags: string[] | 'all';
  contexts: EvalContext[];
  json: boolean;
  timeoutMs: number;
}

function contextOf(text: string, where: string): EvalContext {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(
      `E_CONTEXT_INVALID: ${where} is not JSON; give an OpenFeature context like {"targetingKey":"u-1","country":"DE"}`,
    );
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new Error(`E_CONTEXT_INVALID: ${where} must be a JSON object like {"targetingKey":"u-1"}`);
  }
  const tk = (v as Record<string, unknown>)['targetingKey'];
  if (tk !== undefined && typeof tk !== 'string') {
    throw new Error(`E_CONTEXT_INVALID: ${where}: targetingKey must be a string`);
  }
  return v as EvalContext;
}

function parse(argv: readonly string[]): EvalArgs {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      url: { type: 'string' },
      'sdk-key': { type: 'string' },
      'sdk-key-file': { type: 'string' },
      flag: { type: 'string', multiple: true },
      all: { type: 'boolean' },
      context: { type: 'string' },
      contexts: { type: 'string' },
      json: { type: 'boolean' },
      timeout: { type: 'string' },
    },
  });
  if (values.url === undefined) throw new UsageError('--url <control plane> is required');
  if (values['sdk-key'] !== undefined && values['sdk-key-file'] !== undefined)
    throw new UsageError('give either --sdk-key or --sdk-key-file, not both');
  let sdkKey = values['sdk-key'] ?? process.env['TOMBSTONE_SDK_KEY'] ?? '';
  if (values['sdk-key-file'] !== undefined) sdkKey = readTokenFile(values['sdk-key-file']);
  if (values['sdk-key'] !== undefined) process.stderr.write(`${W_KEY}\n`);
  if (sdkKey === '') throw new UsageError('an SDK key is required: TOMBSTONE_SDK_KEY, --sdk-key-file or --sdk-key');
  const flags = values.flag ?? [];
  if (flags.length > 0 === (values.all === true)) throw new UsageError('give --flag <key> (repeatable) or --all');
  if ((values.context !== undefined) === (values.contexts !== undefined))
    throw new UsageError('give --context <json> or --contexts <file.ndjson>');
  let contexts: EvalContext[];
  if (values.context !== undefined) contexts = [contextOf(values.context, '--context')];
  else {
    const path = values.contexts as string;
    const lines = readFileSync(path, 'utf8').split(/\r?\n/);
    contexts = [];
    lines.forEach((line, i) => {
      if (line.trim() !== '') contexts.push(contextOf(line, `${path} line ${i + 1}`));
    });
  }
  const m = /^(\d+)(ms|s)?$/.exec(values.timeout ?? '10s');
  if (m === null) throw new UsageError('--timeout must look like 500ms or 10s');
  const timeoutMs = Number(m[1]) * (m[2] === 'ms' ? 1 : 1000);
  return {
    url: values.url,
    sdkKey,
    flags: values.all === true ? 'all' : flags,
    contexts,
    json: values.json === true,
    timeoutMs,
  };
}

/** Runs the command. */
export async function run(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let args: EvalArgs;
  try {
    args = parse(argv);
  } catch (err) {
    if (err instanceof UsageError) reportError(`E_USAGE: ${err.message}\n${USAGE}`, json, true);
    else reportError(codedLine(err), json, true);
    return 2;
  }
  const client = new TombstoneClient({
    url: args.url,
    sdkKey: args.sdkKey,
    service: 'tombstone-cli',
    telemetryIntervalMs: 0,
  });
  try {
    await client.ready(args.timeoutMs);
    const flags = args.flags === 'all' ? client.keys().sort() : args.flags;
    let failed = false;
    const out: string[] = [];
    args.contexts.forEach((ctx, i) => {
      for (const flag of flags) {
        const r = client.evaluate(flag, ctx, null);
        if (r.reason === 'ERROR') failed = true;
        if (args.json) {
          out.push(
            JSON.stringify({
              flag_key: flag,
              context_index: i,
              value: r.value,
              variant: r.variant ?? null,
              reason: r.reason,
              version: r.version,
            }),
          );
        } else {
          const why = r.errorCode === undefined ? r.reason : `${r.reason} ${r.errorCode}`;
          out.push(`${i}\t${flag}\t${JSON.stringify(r.value)}\t${r.variant ?? '-'}\t${why}\tv${r.version}`);
        }
      }
    });
    if (!args.json) process.stdout.write('context\tflag\tvalue\tvariant\treason\tversion\n');
    process.stdout.write(out.map((l) => `${l}\n`).join(''));
    return failed ? 1 : 0;
  } catch (err) {
    reportError(codedLine(err), args.json, true);
    return 2;
  } finally {
    await client.close();
  }
}
