/**
 * The sync engine's HTTP reads from the control plane: bearer auth, bounded time, bounded body size, and errors that
 * say whether retrying can help (network, 5xx, 429) or not (401/403: the token; 4xx: the request or a diverged log).
 */

/** Where and as whom to read. */
export interface SyncTarget {
  baseUrl: string;
  token: string | null;
  fetch?: typeof fetch;
  /** Aborts in-flight reads when the engine stops. */
  signal?: AbortSignal;
}

/** Codes of failed reads. */
export type SyncHttpCode = 'E_NETWORK' | 'E_TIMEOUT' | 'E_AUTH' | 'E_HTTP' | 'E_PROTOCOL' | 'E_BODY_TOO_LARGE';

/** A failed read: `retryable` tells the engine whether to back off and retry or to halt. */
export class SyncHttpError extends Error {
  readonly code: SyncHttpCode;
  readonly status: number | null;
  readonly retryable: boolean;
  /** The server's own error code (e.g. RESUME_BEYOND_END), when it sent one. */
  readonly serverCode: string | null;

  constructor(
    code: SyncHttpCode,
    message: string,
    status: number | null,
    retryable: boolean,
    serverCode: string | null = null,
  ) {
    super(message);
    this.name = 'SyncHttpError';
    this.code = code;
    this.status = status;
    this.retryable = retryable;
    this.serverCode = serverCode;
  }
}

/** Largest body read by the engine (a page of 64 KiB leaves would be larger; pages are sized well below this). */
export const MAX_BODY_BYTES = 256 * 1024 * 1024;

function serverCodeOf(text: string): string | null {
  try {
    const body: unknown = JSON.parse(text);
    const err = typeof body === 'object' && body !== null ? (body as { error?: { code?: unknown } }).error : undefined;
    return typeof err?.code === 'string' ? err.code : null;
  } catch {
    return null;
  }
}

async function failure(res: Response, path: string): Promise<SyncHttpError> {
  const text = await res.text().catch(() => '');
  const serverCode = serverCodeOf(text);
  const suffix = serverCode === null ? '' : ` (${serverCode})`;
  if (res.status === 401 || res.status === 403) {
    return new SyncHttpError(
      'E_AUTH',
      `The control plane refused the token (HTTP ${res.status}${suffix}). Enter a valid token for this profile.`,
      res.status,
      false,
      serverCode,
    );
  }
  // 416: the log is shorter than a heartbeat or checkpoint announced (restart, or a lie); retrying re-plans from scratch.
  const retryable = res.status >= 500 || res.status === 429 || res.status === 408 || res.status === 416;
  return new SyncHttpError(
    'E_HTTP',
    `GET ${path} answered HTTP ${res.status}${suffix}.`,
    res.status,
    retryable,
    serverCode,
  );
}

/**
 * Settles like `work`, or rejects with the signal's reason as soon as `signal` aborts. fetch() forwards its signal
 * only while the Request it built internally is alive (nodejs/node#55428): after a garbage collection an abort or a
 * timeout would no longer end a pending read, so every read also waits on the signal itself.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal, onAbort: () => void = () => {}): Promise<T> {
  if (signal.aborted) {
    onAbort();
    work.catch(() => {});
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      onAbort();
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(err as Error);
      },
    );
  });
}

/**
 * A response body whose reading ends (the connection with it) when `signal` aborts, whether or not fetch still
 * forwards that signal: the pipe holds its own listener and cancels the body, which makes undici drop the connection.
 */
export function abortableBody(
  body: ReadableStream<Uint8Array> | null,
  signal: AbortSignal | undefined,
  through: TransformStream<Uint8Array, Uint8Array> = new TransformStream(),
): ReadableStream<Uint8Array> | null {
  if (body === null) return null;
  return body.pipeThrough(through, signal === undefined ? {} : { signal });
}

/** Reads the whole body, cancelling it (and so the connection) when `signal` aborts. */
async function readBody(res: Response, signal: AbortSignal): Promise<Buffer> {
  const body = res.body;
  if (body === null) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  const cancel = (): void => void reader.cancel(signal.reason).catch(() => {});
  const all = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    return Buffer.concat(chunks);
  })();
  return untilAborted(all, signal, cancel);
}

async function send(
  target: SyncTarget,
  path: string,
  timeoutMs: number,
): Promise<{ res: Response; signal: AbortSignal }> {
  const headers: Record<string, string> = {};
  if (target.token !== null) headers['authorization'] = `Bearer ${target.token}`;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = target.signal === undefined ? timeout : AbortSignal.any([timeout, target.signal]);
  let res: Response;
  try {
    const request = (target.fetch ?? fetch)(new URL(path, target.baseUrl), { headers, redirect: 'error', signal });
    res = await untilAborted(request, signal);
  } catch (err) {
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    const why = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    throw new SyncHttpError(timedOut ? 'E_TIMEOUT' : 'E_NETWORK', `GET ${path} failed: ${why}`, null, true);
  }
  if (!res.ok) throw await failure(res, path);
  const length = Number(res.headers.get('content-length') ?? '0');
  if (length > MAX_BODY_BYTES) {
    void res.body?.cancel().catch(() => {});
    throw new SyncHttpError('E_BODY_TOO_LARGE', `GET ${path} announced ${length} bytes`, res.status, false);
  }
  return { res, signal };
}

function broken(path: string, err: unknown): SyncHttpError {
  return new SyncHttpError(
    'E_NETWORK',
    `GET ${path} broke off: ${err instanceof Error ? err.message : String(err)}`,
    null,
    true,
  );
}

/** GETs `path` and returns the body text; throws SyncHttpError. */
export async function getText(
  target: SyncTarget,
  path: string,
  timeoutMs = 30_000,
): Promise<{ text: string; headers: Headers }> {
  const { res, signal } = await send(target, path, timeoutMs);
  try {
    return { text: (await readBody(res, signal)).toString('utf8'), headers: res.headers };
  } catch (err) {
    throw broken(path, err);
  }
}

/** GETs `path` and returns the exact body bytes; throws SyncHttpError. */
export async function getBytes(target: SyncTarget, path: string, timeoutMs = 60_000): Promise<Buffer> {
  const { res, signal } = await send(target, path, timeoutMs);
  try {
    return await readBody(res, signal);
  } catch (err) {
    throw broken(path, err);
  }
}

/** GETs `path` as JSON (an object); throws SyncHttpError (E_PROTOCOL for a non-object body). */
export async function getJson(target: SyncTarget, path: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const { text } = await getText(target, path, timeoutMs);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SyncHttpError(
      'E_PROTOCOL',
      `GET ${path} did not return JSON; is this a Tombstone control plane?`,
      200,
      false,
    );
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SyncHttpError('E_PROTOCOL', `GET ${path} returned JSON that is not an object`, 200, false);
  }
  return body as Record<string, unknown>;
}
