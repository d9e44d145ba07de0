/** Argument parsing, report formatting and the TTY progress bar of the ledger CLI commands (verify, export). */
import type { VerifyProgress, VerifyReport } from '../ledger/verify-types.ts';

/** A command-line mistake: exit 2 with this message. */
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

/** The report as the documented JSON object (snake_case, stable field names). */
export function reportJson(r: VerifyReport): Record<string, unknown> {
  return {
    ok: r.ok,
    code: r.code,
    idx: r.idx,
    detail: r.detail,
    verified_size: r.verifiedSize,
    root: r.root,
    origin: r.origin,
    mode: r.mode,
    entries_checked: r.entriesChecked,
    checkpoints_checked: r.checkpointsChecked,
    pending: r.pendingCount,
    high_water_mark: r.highWaterMark,
    trust: r.trust,
    evidence: r.evidence.map((e) => ({
      id: e.id,
      kind: e.kind,
      idx: e.idx,
      detected_at: e.detectedAt,
      detail: e.detail,
    })),
    elapsed_ms: r.elapsedMs,
  };
}

/** The report as text for people. */
export function reportText(r: VerifyReport): string {
  const head = r.ok
    ? `VERIFIED  ${r.origin}`
    : `FAILED  ${r.code ?? ''}${r.idx === null ? '' : ` at idx ${r.idx}`}  (${r.origin})`;
  const trust =
    r.trust === 'external'
      ? 'keys given on the command line'
      : "the replica's own trust store (pass --key to pin keys from outside the file)";
  return [
    head,
    `  ${r.detail}`,
    `  verified size ${r.verifiedSize}, root ${r.root}`,
    `  ${r.entriesChecked} entries and ${r.checkpointsChecked} checkpoint(s) checked (${r.mode}) in ${(r.elapsedMs / 1000).toFixed(2)} s`,
    ...(r.pendingCount > 0
      ? [`  ${r.pendingCount} entries after the verified size are not covered by a checkpoint (not verified)`]
      : []),
    `  trust: ${trust}`,
    `  high-water mark: ${r.highWaterMark}`,
    ...r.evidence.map(
      (e) => `  evidence #${e.id}: ${e.kind}${e.idx === null ? '' : ` at idx ${e.idx}`}, ${e.detectedAt}: ${e.detail}`,
    ),
    '',
  ].join('\n');
}

/** A progress bar on stderr when it is a TTY; nothing otherwise. Redraws at most every 100 ms. */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): {
  update(p: VerifyProgress): void;
  done(): void;
} {
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      const now = Date.now();
      if (stream.isTTY !== true || p.total === 0 || (now - last < 100 && p.done < p.total)) return;
      last = now;
      const width = 30;
      const filled = Math.round((p.done / p.total) * width);
      stream.write(
        `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor((p.done / p.total) * 100)}% ${p.done}/${p.total}`,
      );
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
