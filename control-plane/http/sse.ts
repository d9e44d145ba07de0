/** Server-sent events plumbing shared by the ledger and metrics streams. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Starts an event-stream response: headers flushed at once, no socket timeout, Nagle off for latency. */
export function openEventStream(req: IncomingMessage, res: ServerResponse): void {
  req.socket.setTimeout(0);
  req.socket.setNoDelay(true);
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
    'X-Content-Type-Options': 'nosniff',
  });
  res.flushHeaders();
}

/** One SSE frame; `data` must not contain a newline (canonical JSON never does). */
export function sseFrame(event: string, data: string, id?: number): string {
  return id === undefined ? `event: ${event}\ndata: ${data}\n\n` : `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
}
