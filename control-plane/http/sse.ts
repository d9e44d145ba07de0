/** Server-sent events plumbing shared by the ledger and metrics streams (frames: shared/protocol/events.ts). */
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
