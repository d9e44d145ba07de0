/**
 * A fault-injecting loopback proxy for sync tests. It forwards every request to the real control plane and can, per
 * stream connection, rewrite the SSE frames of `/api/v1/ledger/stream` (drop mid-frame, stall, duplicate, reorder,
 * truncate, inject garbage or oversize frames, replace checkpoint notes) and rewrite the bodies of other endpoints
 * (e.g. lie in a consistency proof). The upstream can be swapped (control plane restarted on another port) and every
 * live connection cut at once.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What to send for one upstream frame (each string is written verbatim, frames include their "\n\n"). */
export type FrameOutput = { kind: 'send'; chunks: string[] } | { kind: 'cut'; prefix: string } | { kind: 'stall' };

/** Maps the frames of one stream connection; `n` counts frames from 0. */
export type FrameMapper = (frame: string, n: number) => FrameOutput;

/** Rewrites a whole non-stream response body; return null to leave it unchanged. */
export type BodyRewriter = (path: string, body: string) => string | null;

/** The running proxy. */
export interface FaultProxy {
  url: string;
  /** Number of stream connections opened so far. */
  streamConnections: number;
  /** A new mapper per stream connection (null: forward unchanged). */
  streamFaults: ((connection: number) => FrameMapper | null) | null;
  /** Rewriter for other endpoints. */
  bodyFaults: BodyRewriter | null;
  /** When true, new connections are reset at once (the control plane looks unreachable). */
  refuse: boolean;
  /** Requests whose path matches are never answered (a stalled backfill). */
  hold: ((path: string) => boolean) | null;
  /** Number of requests held so far. */
  held: number;
  setUpstream(url: string): void;
  /** Destroys every open client connection (the network dropped). */
  cutAll(): void;
  /** Destroys only the open ledger-stream connections. */
  cutStreams(): void;
  close(): Promise<void>;
}

/** Forwards frames unchanged. */
export const passThrough: FrameMapper = (frame) => ({ kind: 'send', chunks: [frame] });

function splitFrames(buffer: string): { frames: string[]; rest: string } {
  const frames: string[] = [];
  let start = 0;
  for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n', start)) {
    frames.push(buffer.slice(start, end + 2));
    start = end + 2;
  }
  return { frames, rest: buffer.slice(start) };
}

function pumpFrames(upstream: IncomingMessage, res: ServerResponse, mapper: FrameMapper): void {
  let buffer = '';
  let n = 0;
  let stopped = false;
  upstream.setEncoding('utf8');
  upstream.on('data', (chunk: string) => {
    if (stopped) return;
    const { frames, rest } = splitFrames(buffer + chunk);
    buffer = rest;
    for (const frame of frames) {
      const out = mapper(frame, n++);
      if (out.kind === 'send') {
        for (const c of out.chunks) res.write(c);
      } else {
        stopped = true;
        if (out.kind === 'cut') res.write(out.prefix, () => res.destroy());
        upstream.destroy();
        return;
      }
    }
  });
  upstream.on('end', () => res.end());
}

/** Starts a proxy on 127.0.0.1 (ephemeral port) in front of `upstreamUrl`. */
export async function startFaultProxy(upstreamUrl: string): Promise<FaultProxy> {
  let upstream = new URL(upstreamUrl);
  const sockets = new Set<Socket>();
  const streamSockets = new Set<Socket>();
  const proxy: FaultProxy = {
    url: '',
    streamConnections: 0,
    streamFaults: null,
    bodyFaults: null,
    refuse: false,
    hold: null,
    held: 0,
    setUpstream: (url) => {
      upstream = new URL(url);
    },
    cutAll: () => {
      for (const s of sockets) s.destroy();
    },
    cutStreams: () => {
      for (const s of streamSockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        proxy.cutAll();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    if ((req.url ?? '').startsWith('/api/v1/ledger/stream')) {
      streamSockets.add(req.socket);
      req.socket.once('close', () => streamSockets.delete(req.socket));
    }
    forward(proxy, upstream, req, res);
  });
  server.on('connection', (socket) => {
    if (proxy.refuse) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

function forward(proxy: FaultProxy, upstream: URL, req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '/';
  if (proxy.hold?.(path) === true) {
    proxy.held++;
    return;
  }
  const upReq = request({
    host: upstream.hostname,
    port: upstream.port,
    method: req.method,
    path,
    headers: { ...req.headers, host: upstream.host },
  });
  upReq.on('error', () => res.destroy());
  res.on('close', () => upReq.destroy());
  upReq.on('response', (upRes) => {
    const isStream = path.startsWith('/api/v1/ledger/stream') && upRes.statusCode === 200;
    if (isStream) {
      const mapper = proxy.streamFaults?.(proxy.streamConnections) ?? null;
      proxy.streamConnections++;
      res.writeHead(200, upRes.headers);
      res.flushHeaders();
      if (mapper === null) upRes.pipe(res);
      else pumpFrames(upRes, res, mapper);
      return;
    }
    const rewrite = proxy.bodyFaults;
    if (rewrite === null) {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
      return;
    }
    const parts: Buffer[] = [];
    upRes.on('data', (c: Buffer) => parts.push(c));
    upRes.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      const next = rewrite(path, body);
      const headers = { ...upRes.headers };
      delete headers['content-length'];
      delete headers['transfer-encoding'];
      res.writeHead(upRes.statusCode ?? 502, headers);
      res.end(next ?? body);
    });
  });
  req.pipe(upReq);
}
