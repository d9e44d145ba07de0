/**
 * How a command reports an error: one line on stderr starting with its code, and — when the caller asked for `--json`
 * — the same code and sentence as one JSON document on stdout, so a script reading stdout always gets exactly one
 * document (a result or `{"error": {"code", "message"}}`).
 */

/**
 * Writes `text` (first line `E_CODE: sentence`, maybe followed by usage) to stderr, and as JSON to stdout if `json`;
 * `oneLine` prints the document on a single line (commands whose `--json` output is one object per line).
 */
export function reportError(text: string, json: boolean, oneLine = false): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  if (!json) return;
  const first = text.split('\n', 1)[0] ?? '';
  const m = /^(E_[A-Z_]+):\s*(.*)$/s.exec(first);
  const doc = { error: { code: m?.[1] ?? 'E_INTERNAL', message: (m?.[2] ?? first).trim() } };
  process.stdout.write(`${oneLine ? JSON.stringify(doc) : JSON.stringify(doc, null, 2)}\n`);
}

/**
 * The error line for anything thrown: messages that carry a code keep it, errors with a `code` property (`E_…`) get it
 * in front, anything else is an I/O error.
 */
export function codedLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/^E_[A-Z_]+:/.test(message)) return message;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E_[A-Z_]+$/.test(code) ? `${code}: ${message}` : `E_IO: ${message}`;
}
