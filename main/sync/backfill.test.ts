import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { backfill, fetchRange, splitNdjson, type Page } from './backfill.ts';
import { SyncHttpError } from './http.ts';

let server: Server | null = null;
afterEach(
  () =>
    new Promise<void>((resolve) => {
      if (server) server.close(() => resolve());
      else resolve();
      server = null;
    }),
);

/** A tiny /entries server: lines "e<idx>", at most `cap` per response, `size` entries in all. */
async function entriesServer(
  size: number,
  cap: number,
  hook: (start: number) => string | null = () => null,
): Promise<string> {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const start = Number(url.searchParams.get('start'));
    const end = Math.min(Number(url.searchParams.get('end')), size, start + cap);
    const override = hook(start);
    res.writeHead(override === 'status' ? 503 : 200, { 'content-type': 'application/x-ndjson' });
    if (override !== null && override !== 'status') {
      res.end(override);
      return;
    }
    res.end(Array.from({ length: Math.max(end - start, 0) }, (_, i) => `e${start + i}\n`).join(''));
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const text = (p: Page): string[] => p.leaves.map((l) => Buffer.from(l).toString());

describe('backfill', () => {
  it('splits NDJSON into exact byte views and refuses cut or empty lines', () => {
    expect(splitNdjson(Buffer.from('a\nbc\n'), '/p').map((l) => Buffer.from(l).toString())).toEqual(['a', 'bc']);
    expect(splitNdjson(Buffer.alloc(0), '/p')).toEqual([]);
    expect(() => splitNdjson(Buffer.from('a\nb'), '/p')).toThrow(SyncHttpError);
    try {
      splitNdjson(Buffer.from('a\n\nb\n'), '/p');
    } catch (err) {
      expect((err as SyncHttpError).code).toBe('E_PROTOCOL');
    }
  });

  it('completes a page the server shortened to its own cap', async () => {
    const url = await entriesServer(100, 7);
    const page = await fetchRange({ baseUrl: url, token: null }, 10, 30);
    expect(page.start).toBe(10);
    expect(text(page)).toEqual(Array.from({ length: 20 }, (_, i) => `e${10 + i}`));
  });

  it('fails with E_PROTOCOL when the log is shorter than asked', async () => {
    const url = await entriesServer(15, 100);
    await expect(fetchRange({ baseUrl: url, token: null }, 10, 30)).rejects.toMatchObject({
      code: 'E_PROTOCOL',
      retryable: true,
    });
  });

  it('fetches pages in parallel and applies them strictly in order', async () => {
    const url = await entriesServer(1000, 1000);
    const applied: number[] = [];
    await backfill({
      target: { baseUrl: url, token: null },
      from: 3,
      to: 1000,
      pageSize: 90,
      concurrency: 4,
      apply: (p) => {
        applied.push(p.start, p.leaves.length);
      },
    });
    const starts = applied.filter((_, i) => i % 2 === 0);
    expect(starts).toEqual(Array.from({ length: 12 }, (_, i) => 3 + i * 90));
    expect(applied.filter((_, i) => i % 2 === 1).reduce((a, b) => a + b, 0)).toBe(997);
  });

  it('stops between pages when asked and surfaces HTTP failures as retryable errors', async () => {
    let pages = 0;
    const url = await entriesServer(1000, 1000, (start) => (start >= 500 ? 'status' : null));
    await backfill({
      target: { baseUrl: url, token: null },
      from: 0,
      to: 1000,
      pageSize: 100,
      apply: () => {
        pages++;
      },
      stopped: () => pages >= 2,
    });
    expect(pages).toBe(2);
    await expect(
      backfill({ target: { baseUrl: url, token: null }, from: 0, to: 1000, pageSize: 100, apply: () => {} }),
    ).rejects.toMatchObject({ code: 'E_HTTP', status: 503, retryable: true });
  });
});
