/**
 * A minimal SSE reader over node:http(s) for the SDK stream: one request, events parsed incrementally, a cap on the
 * size of one event (an oversized event aborts the connection instead of growing memory without bound).
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** One server-sent event. */
export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

/** Callbacks of an open stream. */
export interface SseHandlers {
  onOpen(status: number, body: string): void;
  onEvent(ev: SseEvent): void;
  /** The connection ended or failed (`tooLarge` when an event exceeded the cap). */
  onEnd(err: Error | null, tooLarge: boolean): void;
}

/** An open request; `close()` aborts it. */
export interface SseConnection {
  close(): void;
}

/** Opens `url` as an event stream. */
export function openStream(
  url: URL,
  headers: Record<string, string>,
  maxEventBytes: number,
  handlers: SseHandlers,
): SseConnection {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  let ended = false;
  const end = (err: Error | null, tooLarge = false): void => {
    if (ended) return;
    ended = true;
    handlers.onEnd(err, tooLarge);
  };
  const req: ClientRequest = request(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      readAll(res, (body) => {
        handlers.onOpen(status, body);
        end(new Error(`HTTP ${status}`));
      });
      return;
    }
    handlers.onOpen(200, '');
    res.setEncoding('utf8');
    res.socket.setNoDelay(true);
    let buf = '';
    let id: string | null = null;
    let event = 'message';
    let data: string[] = [];
    let size = 0;
    res.on('data', (chunk: string) => {
      buf += chunk;
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.charCodeAt(nl - 1) === 13 ? buf.slice(0, nl - 1) : buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === '') {
          if (data.length > 0) handlers.onEvent({ id, event, data: data.join('\n') });
          id = null;
          event = 'message';
          data = [];
          size = 0;
        } else if (line.startsWith('data:')) {
          const d = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
          data.push(d);
          size += d.length;
          if (size > maxEventBytes) {
            req.destroy();
            end(new Error(`an event exceeded ${maxEventBytes} bytes`), true);
            return;
          }
        } else if (line.startsWith('event:')) event = line.slice(line.charCodeAt(6) === 32 ? 7 : 6);
        else if (line.startsWith('id:')) id = line.slice(line.charCodeAt(3) === 32 ? 4 : 3);
        if (ended) return;
        nl = buf.indexOf('\n');
      }
      if (size + buf.length > maxEventBytes) {
        req.destroy();
        end(new Error(`an event exceeded ${maxEventBytes} bytes`), true);
      }
    });
    res.on('end', () => end(null));
    res.on('error', (err) => end(err));
    res.on('close', () => end(null));
  });
  req.on('error', (err) => end(err));
  req.end();
  return {
    close: () => {
      ended = true;
      req.destroy();
    },
  };
}

function readAll(res: IncomingMessage, done: (body: string) => void): void {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (c: string) => {
    if (body.length < 65_536) body += c;
  });
  res.on('end', () => done(body));
  res.on('error', () => done(body));
}
