/**
 * What every command of the CLI shares for its arguments: the one UsageError (a mistake on the command line: the
 * command prints `E_USAGE: <message>` and its usage text and exits 2), and a small `--name value` / `--flag` parser.
 */

/** A command-line mistake: the command prints `E_USAGE: <message>` with its usage text and exits 2. */
export class UsageError extends Error {}

/** Parsed flags: repeatable values and booleans. */
export interface ParsedArgs {
  values: Map<string, string[]>;
  flags: Set<string>;
}

/** Parses `--name value` and `--flag` arguments; unknown names or missing values are UsageErrors. */
export function parseArgs(args: readonly string[], valued: readonly string[], booleans: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { values: new Map(), flags: new Set() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const [name, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    if (booleans.includes(name) && inline === undefined) {
      out.flags.add(name);
    } else if (valued.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--')))
        throw new UsageError(`${name} needs a value`);
      out.values.set(name, [...(out.values.get(name) ?? []), value]);
    } else {
      throw new UsageError(`unknown argument "${a}"`);
    }
  }
  return out;
}

/** The single value of `name`, or undefined; a repeated one is a UsageError. */
export function single(p: ParsedArgs, name: string): string | undefined {
  const v = p.values.get(name);
  if (v !== undefined && v.length > 1) throw new UsageError(`${name} may be given once`);
  return v?.[0];
}
