/**
 * Fan-out of the ledger over SSE. Each client is only a cursor into the log (the next index to send), so a slow client
 * costs no memory beyond its socket buffer: when a write reports backpressure the client is paused until 'drain', then
 * it resumes from its cursor (reading from the in-memory tail or the database). A client paused longer than the stall
 * limit is disconnected; it can resume later with Last-Event-ID.
 */
import type { ServerResponse } from 'node:http';
import { LEDGER_EVENTS, sseFrame } from '../../shared/protocol/events.ts';
import type { Checkpointer } from './checkpointer.ts';
import type { LedgerWriter } from './writer.ts';

/** Stream tuning (all configurable for tests). */
export interface StreamOptions {
  heartbeatMs: number;
  stallMs: number;
  maxClients: number;
  clock: () => number;
}

interface Client {
  res: ServerResponse;
  next: number;
  cpSize: number;
  pausedAt: number | null;
}

const BATCH = 256;
const FRAMES_PER_TURN = 2048;

/** Connected ledger stream clients. */
export class StreamHub {
  private readonly writer: LedgerWriter;
  private readonly checkpoints: Checkpointer;
  private readonly opts: StreamOptions;
  private readonly clients = new Set<Client>();
  private readonly heartbeat: NodeJS.Timeout;
  private scheduled = false;

  constructor(writer: LedgerWriter, checkpoints: Checkpointer, opts: StreamOptions) {
    this.writer = writer;
    this.checkpoints = checkpoints;
    this.opts = opts;
    writer.onCommitted(() => this.schedule());
    checkpoints.onCheckpoint(() => this.schedule());
    this.heartbeat = setInterval(() => this.beat(), opts.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Number of connected clients. */
  get count(): number {
    return this.clients.size;
  }

  /** Per-client cursor and pause state (diagnostics and tests). */
  stats(): { next: number; paused: boolean; buffered: number }[] {
    return [...this.clients].map((c) => ({
      next: c.next,
      paused: c.pausedAt !== null,
      buffered: c.res.writableLength,
    }));
  }

  /** True when another client may connect. */
  hasRoom(): boolean {
    return this.clients.size < this.opts.maxClients;
  }

  /** Streams to a new client (its event-stream response already open) from index `from` (entries from..size-1, then live). */
  add(res: ServerResponse, from: number): void {
    const client: Client = { res, next: from, cpSize: -1, pausedAt: null };
    this.clients.add(client);
    res.on('close', () => this.clients.delete(client));
    res.on('drain', () => {
      client.pausedAt = null;
      this.pump(client);
    });
    this.pump(client);
  }

  /** Ends every stream and stops the heartbeat. */
  close(): void {
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.res.destroy();
    this.clients.clear();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const c of this.clients) this.pump(c);
    });
  }

  /** Writes as much as the client's socket accepts; returns when caught up, paused, or after one turn's budget. */
  private pump(client: Client): void {
    if (client.pausedAt !== null || client.res.destroyed) return;
    const { res } = client;
    res.cork();
    let budget = FRAMES_PER_TURN;
    let writable = true;
    while (writable && budget > 0 && client.next < this.writer.size) {
      const texts = this.writer.texts(client.next, Math.min(this.writer.size, client.next + BATCH));
      for (const text of texts) {
        writable = res.write(sseFrame(LEDGER_EVENTS.entry, text, client.next));
        client.next++;
        budget--;
        if (!writable) break;
      }
    }
    if (writable && client.next >= this.writer.size) writable = this.sendCheckpoint(client);
    res.uncork();
    if (!writable) client.pausedAt = Date.now();
    else if (client.next < this.writer.size) setImmediate(() => this.pump(client));
  }

  private sendCheckpoint(client: Client): boolean {
    const cp = this.checkpoints.latest;
    if (cp === null || cp.size <= client.cpSize || cp.size > client.next) return true;
    client.cpSize = cp.size;
    return client.res.write(sseFrame(LEDGER_EVENTS.checkpoint, JSON.stringify({ note: cp.note })));
  }

  private beat(): void {
    const now = Date.now();
    const frame = sseFrame(
      LEDGER_EVENTS.heartbeat,
      JSON.stringify({ ts: new Date(this.opts.clock()).toISOString(), size: this.writer.size }),
    );
    for (const c of this.clients) {
      if (c.pausedAt === null) {
        if (!c.res.write(frame)) c.pausedAt = now;
      } else if (now - c.pausedAt > this.opts.stallMs) {
        c.res.destroy();
        this.clients.delete(c);
      }
    }
  }
}
