import { describe, expect, it } from 'vitest';
import { RetryScanner, parseRetryLine, retrySniffer } from './retry-sniffer.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function scan(chunks: string[]): number[] {
  const seen: number[] = [];
  const s = new RetryScanner((ms) => seen.push(ms));
  for (const c of chunks) s.feed(enc(c));
  return seen;
}

describe('retry: sniffing', () => {
  it('parses only digit values at a line start', () => {
    expect(parseRetryLine('retry: 2500')).toBe(2500);
    expect(parseRetryLine('retry:10')).toBe(10);
    expect(parseRetryLine('retry: 1e3')).toBe(null);
    expect(parseRetryLine('retry: ')).toBe(null);
    expect(parseRetryLine('data: retry: 5')).toBe(null);
  });

  it('finds retry lines anywhere in the stream, also split across chunks and after CR line ends', () => {
    expect(scan(['retry: 100\n\n'])).toEqual([100]);
    expect(scan(['id: 1\nevent: entry\ndata: {"reason":"retry: 5"}\n\nre', 'try: 2', '50\n'])).toEqual([250]);
    expect(scan(['event: x\r\nretry: 7\r\n'])).toEqual([7]);
    expect(scan(['retry: 9'])).toEqual([]);
    expect(scan(['retry: 12345678901234567890123456789012345678901234567890\n'])).toEqual([]);
  });

  it('passes bytes through unchanged', async () => {
    const seen: number[] = [];
    const input = 'retry: 42\n\nid: 0\nevent: entry\ndata: {}\n\n';
    const out = await new Response(new Response(input).body!.pipeThrough(retrySniffer((ms) => seen.push(ms)))).text();
    expect(out).toBe(input);
    expect(seen).toEqual([42]);
  });
});
