/**
 * The HTTP layer of the control-plane client: bearer auth, idempotency keys on actions, bounded
 * time, and errors surfaced with the server's own code and message unchanged.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../ipc/app-error.ts';

/** Where and as whom to call. */
export interface ClientTarget {
  url: string;
  token: string | null;
}

/** One request to the control plane. */
export interface ApiRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Set for actions: the same key on a retry makes the server answer once. */
  idempotencyKey?: string;
  timeoutMs?: number;
}

/** A fresh idempotency key for one user action. */
export function newIdempotencyKey(): string {
  return randomUUID();
}

function serverError(status: number, body: unknown): AppError {
  const err =
    typeof body === 'object' && body !== null ? (body as { error?: Record<string, unknown> }).error : undefined;
  if (err && typeof err['code'] === 'string' && typeof err['message'] === 'string') {
    const { code, message, ...details } = err;
    return new AppError(code, message, Object.keys(details).length ? details : undefined);
  }
  return new AppError(
    'E_CONTROL_PLANE_HTTP',
    `The control plane answered HTTP ${status} without an error body; nothing was confirmed. Retry, or check the control plane's logs.`,
  );
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError(
      'E_CONTROL_PLANE_PROTOCOL',
      'The control plane sent a response that is not JSON; nothing was confirmed. Check that the URL points at a Tombstone control plane.',
    );
  }
}

/** Sends `req` and resolves to the parsed JSON body, or throws AppError with the server's code. */
export async function callApi(
  target: ClientTarget,
  req: ApiRequest,
  fetchImpl: typeof fetch = fetch,
): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  if (target.token) headers['authorization'] = `Bearer ${target.token}`;
  if (req.idempotencyKey) headers['idempotency-key'] = req.idempotencyKey;
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetchImpl(new URL(req.path, target.url), {
      method: req.method,
      headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal: AbortSignal.timeout(req.timeoutMs ?? 10_000),
    });
  } catch (err) {
    const why = err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : 'could not be reached';
    throw new AppError(
      'E_CONTROL_PLANE_UNREACHABLE',
      `The control plane at ${target.url} ${why}; the action may not have been applied. Watch the ledger for it, then retry (the retry is idempotent).`,
    );
  }
  const body = await readJson(res);
  if (!res.ok) throw serverError(res.status, body);
  return body;
}
