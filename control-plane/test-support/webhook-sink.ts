/** A local HTTP server that records webhook POSTs (Slack / PagerDuty shaped alerts) for assertions. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A recording webhook receiver. */
export interface WebhookSink {
  url: string;
  received: { path: string; body: unknown }[];
  close(): Promise<void>;
}

/** Starts the receiver on 127.0.0.1:0. */
export async function startWebhookSink(): Promise<WebhookSink> {
  const received: { path: string; body: unknown }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
