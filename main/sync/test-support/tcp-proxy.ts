/**
 * A plain loopback TCP forwarder for failover tests: every accepted connection is piped byte for byte to the upstream
 * address (nothing is parsed or rewritten). It records the start of each client request (the request head, for
 * assertions on paths and headers such as Last-Event-ID) and can cut every open connection and stop accepting, as a
 * dead instance or a broken network path would.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A running proxy. */
export interface TcpProxy {
  url: string;
  /** The request heads seen (request line and headers, lower-cased header names kept as sent). */
  heads: string[];
  /** Destroys every open connection (client and upstream side). */
  cutAll(): void;
  /** Stops accepting and cuts every connection: the address refuses connections from now on. */
  close(): Promise<void>;
}

/** Starts a forwarder on 127.0.0.1 (ephemeral port) to `upstreamUrl`'s host and port. */
export async function startTcpProxy(upstreamUrl: string): Promise<TcpProxy> {
  const upstream = new URL(upstreamUrl);
  const open = new Set<Socket>();
  const heads: string[] = [];
  const server: Server = createServer((client) => {
    const up = connect({ host: upstream.hostname, port: Number(upstream.port) });
    open.add(client);
    open.add(up);
    let head = '';
    client.on('data', (chunk: Buffer) => {
      // Record each request head as it passes (keep-alive connections carry several requests).
      head += chunk.toString('latin1');
      let end = head.indexOf('\r\n\r\n');
      while (end !== -1) {
        const h = head.slice(0, end);
        // A request body (no head of its own) may precede the next head on a keep-alive connection.
        const at = h.search(/[A-Z]+ \/\S* HTTP\/1\.[01]\r\n/);
        if (at >= 0) heads.push(h.slice(at));
        head = head.slice(end + 4);
        end = head.indexOf('\r\n\r\n');
      }
      if (head.length > 65_536) head = '';
    });
    client.pipe(up);
    up.pipe(client);
    const drop = (): void => {
      client.destroy();
      up.destroy();
      open.delete(client);
      open.delete(up);
    };
    client.on('error', drop);
    up.on('error', drop);
    client.on('close', drop);
    up.on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const proxy: TcpProxy = {
    url: `http://127.0.0.1:${port}`,
    heads,
    cutAll: () => {
      for (const s of open) s.destroy();
      open.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        proxy.cutAll();
      }),
  };
  return proxy;
}
