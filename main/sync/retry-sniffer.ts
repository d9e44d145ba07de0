/**
 * The `eventsource` package keeps the server's `retry:` value private (it uses it for its own reconnects, which the
 * engine disables in favour of backoff with jitter). This pass-through transform watches the raw stream for
 * `retry:` lines so the engine can honour them. It only looks at line starts and never buffers more than a few bytes.
 */

const PREFIX = 'retry:';
const MAX_LINE = 40;
const LF = 0x0a;
const CR = 0x0d;

/** Parses a complete `retry:` line; null unless the value is ASCII digits only (as the SSE spec requires). */
export function parseRetryLine(line: string): number | null {
  if (!line.startsWith(PREFIX)) return null;
  const value = line.slice(PREFIX.length).replace(/^ /, '');
  return /^[0-9]{1,9}$/.test(value) ? Number(value) : null;
}

/** A line-start scanner: feed it byte chunks, it calls `onRetry` for every complete `retry:` line. */
export class RetryScanner {
  private line: string | null = '';
  private readonly onRetry: (ms: number) => void;

  constructor(onRetry: (ms: number) => void) {
    this.onRetry = onRetry;
  }

  /** Scans one chunk. */
  feed(chunk: Uint8Array): void {
    let i = 0;
    let lf = chunk.indexOf(LF);
    let cr = chunk.indexOf(CR);
    while (i < chunk.length) {
      if (lf !== -1 && lf < i) lf = chunk.indexOf(LF, i);
      if (cr !== -1 && cr < i) cr = chunk.indexOf(CR, i);
      const eol = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      const end = eol === -1 ? chunk.length : eol;
      if (this.line !== null) this.extend(chunk, i, end);
      if (eol === -1) return;
      this.endLine();
      i = eol + 1;
    }
  }

  private extend(chunk: Uint8Array, start: number, end: number): void {
    const room = MAX_LINE - (this.line?.length ?? 0);
    const piece = String.fromCharCode(...chunk.subarray(start, Math.min(end, start + Math.max(room, 0) + 1)));
    const line = (this.line ?? '') + piece;
    const possible = line.length <= MAX_LINE && (line.startsWith(PREFIX) || PREFIX.startsWith(line));
    this.line = possible ? line : null;
  }

  private endLine(): void {
    const ms = this.line === null ? null : parseRetryLine(this.line);
    if (ms !== null) this.onRetry(ms);
    this.line = '';
  }
}

/** A TransformStream that passes bytes through unchanged and reports `retry:` values. */
export function retrySniffer(onRetry: (ms: number) => void): TransformStream<Uint8Array, Uint8Array> {
  const scanner = new RetryScanner(onRetry);
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      scanner.feed(chunk);
      controller.enqueue(chunk);
    },
  });
}
