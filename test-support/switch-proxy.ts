/**
 * A loopback HTTP proxy in front of a real server, for tests of what a client does when that server goes away or
 * misbehaves: `forward` passes requests through, `refuse` resets every connection (the server looks down), `garbage`
 * answers 200 with an HTML page (a captive portal or a login proxy), `stall` never answers.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does with the next requests. */
export type ProxyMode = 'forward' | 'refuse' | 'garbage' | 'stall';

/** The running proxy. */
export interface SwitchProxy {
  url: string;
  mode: ProxyMode;
  /** Requests seen so far (any mode). */
  requests: number;
  close(): Promise<void>;
}

function forward(upstream: URL, req: IncomingMessage, res: ServerResponse): void {
  const out = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  out.on('error', () => res.destroy());
  req.pipe(out);
}

/** Starts a proxy to `upstreamUrl` on an ephemeral 127.0.0.1 port. */
export async function startSwitchProxy(upstreamUrl: string): Promise<SwitchProxy> {
  const upstream = new URL(upstreamUrl);
  const sockets = new Set<Socket>();
  const proxy: SwitchProxy = { url: '', mode: 'forward', requests: 0, close: async () => undefined };
  const server = createServer((req, res) => {
    proxy.requests++;
    if (proxy.mode === 'refuse') return void req.socket.destroy();
    if (proxy.mode === 'stall') return;
    if (proxy.mode === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<html><body>Please sign in to continue</body></html>');
    }
    forward(upstream, req, res);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
