/**
 * The ledger stream over SSE with the `eventsource` package. The package's own reconnect loop is switched off (every
 * error closes the source) because the engine reconnects with backoff and jitter and always resumes from the
 * replica's received size, never from whatever id the last (possibly rejected) frame carried.
 */
import { EventSource, type FetchLike, type FetchLikeResponse } from 'eventsource';
import { classifyFrame, type FrameRejection, type StreamFrame } from './frames.ts';
import { abortableBody } from './http.ts';
import { retrySniffer } from './retry-sniffer.ts';

/** Where to connect and how. */
export interface StreamTarget {
  baseUrl: string;
  token: string | null;
  /** Resume after this index (sent as Last-Event-ID); null streams from the beginning. */
  lastEventId: number | null;
  fetch?: typeof fetch;
  /** Largest incomplete line the parser buffers; a longer line fails the connection (a reconnect follows). */
  maxLineChars?: number;
}

/** Callbacks of one stream connection. */
export interface StreamHandlers {
  /** The response headers arrived (HTTP 200, event-stream); `roundTripMs` is request → headers. */
  onOpen(roundTripMs: number): void;
  /** Every event, validated or rejected (any frame also proves the connection is alive). */
  onFrame(frame: StreamFrame | FrameRejection): void;
  /** The server sent `retry: <ms>`. */
  onRetry(ms: number): void;
  /** The connection failed or ended; the stream is closed and will not reconnect by itself. */
  onClosed(reason: string, status: number | null): void;
}

/** An open stream. */
export interface LedgerStream {
  close(): void;
}

/** The default parser bound: well above one 64 KiB entry (and its escaping), far below memory trouble. */
export const DEFAULT_MAX_LINE_CHARS = 1024 * 1024;

function streamFetch(target: StreamTarget, onRetry: (ms: number) => void, onRequest: () => void): FetchLike {
  const base = target.fetch ?? fetch;
  return async (url, init) => {
    onRequest();
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (target.token !== null) headers['Authorization'] = `Bearer ${target.token}`;
    if (target.lastEventId !== null) headers['Last-Event-ID'] = String(target.lastEventId);
    const signal = init.signal as AbortSignal | undefined;
    const res = await base(url, { method: 'GET', headers, redirect: 'error', signal });
    // close() aborts `signal`; the pipe ends the stream on it even when fetch no longer forwards it (after a GC).
    const body = abortableBody(res.body, signal, retrySniffer(onRetry));
    const wrapped: FetchLikeResponse = {
      body,
      url: res.url,
      status: res.status,
      redirected: res.redirected,
      headers: res.headers,
    };
    return wrapped;
  };
}

/** Opens `/api/v1/ledger/stream`; exactly one `onClosed` follows unless `close()` is called first. */
export function openLedgerStream(target: StreamTarget, handlers: StreamHandlers): LedgerStream {
  let closed = false;
  let requestedAt = performance.now();
  const url = new URL('/api/v1/ledger/stream', target.baseUrl);
  const es = new EventSource(url, {
    fetch: streamFetch(
      target,
      (ms) => {
        if (!closed) handlers.onRetry(ms);
      },
      () => {
        requestedAt = performance.now();
      },
    ),
    maxBufferSize: target.maxLineChars ?? DEFAULT_MAX_LINE_CHARS,
  });
  const finish = (reason: string, status: number | null): void => {
    if (closed) return;
    closed = true;
    es.close();
    handlers.onClosed(reason, status);
  };
  es.addEventListener('open', () => {
    if (!closed) handlers.onOpen(Math.round(performance.now() - requestedAt));
  });
  es.addEventListener('error', (ev) => finish(ev.message ?? 'the stream ended', ev.code ?? null));
  const onEvent = (ev: MessageEvent): void => {
    if (closed) return;
    handlers.onFrame(classifyFrame(ev.type, typeof ev.data === 'string' ? ev.data : '', ev.lastEventId));
  };
  for (const type of ['entry', 'checkpoint', 'heartbeat', 'message']) es.addEventListener(type, onEvent);
  return {
    close: () => {
      closed = true;
      es.close();
    },
  };
}
