import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FrameRejection, StreamFrame } from './frames.ts';
import { openLedgerStream, type LedgerStream } from './sse-client.ts';

let server: Server | null = null;
let stream: LedgerStream | null = null;
afterEach(
  () =>
    new Promise<void>((resolve) => {
      stream?.close();
      server?.closeAllConnections();
      if (server) server.close(() => resolve());
      else resolve();
      server = null;
    }),
);

const leaf = (idx: number): string =>
  `{"action":"flag.updated","actor":{"id":"a","type":"user"},"after":null,"before":null,"env":null,"flag":null,"idx":${idx},"log":"l","prev":"","reason":"","refs":{},"ts":"2026-01-01T00:00:00.000Z","v":1}`;

async function sse(
  handler: (res: ServerResponse, headers: IncomingHttpHeaders) => void,
  status = 200,
): Promise<string> {
  server = createServer((req, res) => {
    res.writeHead(status, { 'content-type': status === 200 ? 'text/event-stream' : 'application/json' });
    handler(res, req.headers);
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Seen {
  frames: (StreamFrame | FrameRejection)[];
  retries: number[];
  closed: [string, number | null][];
  opened: number;
}

function open(url: string, lastEventId: number | null, maxLineChars?: number): Seen {
  const seen: Seen = { frames: [], retries: [], closed: [], opened: 0 };
  stream = openLedgerStream(
    { baseUrl: url, token: 'tsk_t', lastEventId, maxLineChars },
    {
      onOpen: () => {
        seen.opened++;
      },
      onFrame: (f) => seen.frames.push(f),
      onRetry: (ms) => seen.retries.push(ms),
      onClosed: (reason, status) => seen.closed.push([reason, status]),
    },
  );
  return seen;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('ledger stream client', () => {
  it('sends auth and our own Last-Event-ID, classifies frames, reports retry: and a closed stream once', async () => {
    let headers: IncomingHttpHeaders = {};
    const url = await sse((res, h) => {
      headers = h;
      res.end(
        `retry: 2500\n\nid: 5\nevent: entry\ndata: ${leaf(5)}\n\nevent: checkpoint\ndata: {"note":"n\\n"}\n\nevent: heartbeat\ndata: {"size":6}\n\ndata: x\n\n`,
      );
    });
    const seen = open(url, 4);
    await until(() => seen.closed.length === 1);
    expect(headers['authorization']).toBe('Bearer tsk_t');
    expect(headers['last-event-id']).toBe('4');
    expect(seen.opened).toBe(1);
    expect(seen.retries).toEqual([2500]);
    expect(seen.frames).toEqual([
      { kind: 'entry', idx: 5, text: leaf(5) },
      { kind: 'checkpoint', note: 'n\n' },
      { kind: 'heartbeat', size: 6 },
      expect.objectContaining({ kind: 'rejected', code: 'E_FRAME_UNKNOWN_EVENT' }),
    ]);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.closed).toHaveLength(1);
  });

  it('omits Last-Event-ID for an empty replica', async () => {
    let headers: IncomingHttpHeaders = {};
    const url = await sse((res, h) => {
      headers = h;
      res.end();
    });
    const seen = open(url, null);
    await until(() => seen.closed.length === 1);
    expect(headers['last-event-id']).toBe(undefined);
  });

  it('passes the HTTP status of a refused stream (e.g. 409 RESUME_BEYOND_END)', async () => {
    const url = await sse((res) => res.end('{"error":{"code":"RESUME_BEYOND_END"}}'), 409);
    const seen = open(url, 10);
    await until(() => seen.closed.length === 1);
    expect(seen.closed[0]?.[1]).toBe(409);
    expect(seen.opened).toBe(0);
  });

  it('fails the connection on a line longer than the parser bound instead of buffering it', async () => {
    const url = await sse((res) => res.write(`id: 1\nevent: entry\ndata: ${'x'.repeat(5000)}`));
    const seen = open(url, 0, 1000);
    await until(() => seen.closed.length === 1);
    expect(seen.frames).toEqual([]);
  });
});
