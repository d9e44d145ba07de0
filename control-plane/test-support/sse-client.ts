/** A minimal SSE client for tests: records every event (id, event, data) of one stream. */

/** One received event. */
export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

/** An open stream. */
export interface SseStream {
  status: number;
  events: SseEvent[];
  waitFor(pred: (events: SseEvent[]) => boolean, ms?: number): Promise<void>;
  close(): void;
}

function parseFrame(frame: string): SseEvent | null {
  let id: string | null = null;
  let event = 'message';
  const data: string[] = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith('id: ')) id = line.slice(4);
    else if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  return data.length === 0 ? null : { id, event, data: data.join('\n') };
}

/** Opens `url` as an event stream with the given headers. */
export async function openSse(url: string, headers: Record<string, string>): Promise<SseStream> {
  const ctrl = new AbortController();
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: ctrl.signal });
  const events: SseEvent[] = [];
  const stream: SseStream = {
    status: res.status,
    events,
    async waitFor(pred, ms = 5000) {
      const end = Date.now() + ms;
      while (!pred(events)) {
        if (Date.now() > end) throw new Error(`stream condition not met; ${events.length} events so far`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () => ctrl.abort(),
  };
  if (res.status !== 200 || res.body === null) return stream;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += value;
        let i = buf.indexOf('\n\n');
        while (i >= 0) {
          const ev = parseFrame(buf.slice(0, i));
          if (ev !== null) events.push(ev);
          buf = buf.slice(i + 2);
          i = buf.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
  })();
  return stream;
}
