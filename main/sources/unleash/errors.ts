/**
 * Errors of the Unleash source: one code per thing a user can meet, each with a sentence that says what happened and
 * what to do. They are AppErrors, so they reach the console's UI and the CLI unchanged.
 */
import { AppError } from '../../ipc/app-error.ts';

/** Codes of the Unleash source. */
export type UnleashErrorCode =
  | 'E_UNLEASH_URL'
  | 'E_UNLEASH_AUTH'
  | 'E_UNLEASH_NOT_FOUND'
  | 'E_UNLEASH_UNREACHABLE'
  | 'E_UNLEASH_TIMEOUT'
  | 'E_UNLEASH_RATE_LIMITED'
  | 'E_UNLEASH_SERVER'
  | 'E_UNLEASH_PROTOCOL'
  | 'E_UNLEASH_MOVING'
  | 'E_UNLEASH_REFUSED';

/** An error talking to Unleash. `retryable` says whether the poller backs off and tries again. */
export class UnleashError extends AppError {
  override readonly code: UnleashErrorCode;
  readonly retryable: boolean;

  constructor(code: UnleashErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, details);
    this.name = 'UnleashError';
    this.code = code;
    this.retryable = RETRYABLE.includes(code);
  }
}

const RETRYABLE: readonly UnleashErrorCode[] = [
  'E_UNLEASH_UNREACHABLE',
  'E_UNLEASH_TIMEOUT',
  'E_UNLEASH_RATE_LIMITED',
  'E_UNLEASH_SERVER',
  'E_UNLEASH_MOVING',
];

/** The URL cannot be an Unleash base URL. */
export function badUrl(url: string, why: string): UnleashError {
  return new UnleashError(
    'E_UNLEASH_URL',
    `"${url}" is not a usable Unleash URL (${why}). Give the base URL of your Unleash, e.g. https://unleash.example.com ` +
      'or https://example.com/unleash, without credentials, query or fragment.',
  );
}

/** The error for an HTTP status that is not success. */
export function httpError(url: string, status: number, path: string): UnleashError {
  if (status === 401) {
    return new UnleashError(
      'E_UNLEASH_AUTH',
      `Unleash at ${url} rejected the API token (HTTP 401). Create an admin API token in Unleash (Admin → API access) ` +
        'and give it to the console; client and frontend tokens cannot read the event log.',
      { status },
    );
  }
  if (status === 403) {
    return new UnleashError(
      'E_UNLEASH_AUTH',
      `Unleash at ${url} knows the token but may not read ${path} (HTTP 403). Use an admin API token (or a personal ` +
        'access token of a user allowed to read events and flags).',
      { status },
    );
  }
  if (status === 404) {
    return new UnleashError(
      'E_UNLEASH_NOT_FOUND',
      `Unleash at ${url} has no ${path} (HTTP 404). Check that the URL is the base URL of Unleash (with its path ` +
        'prefix, if it is served under one) and that it is Unleash 5.0 or newer.',
      { status },
    );
  }
  if (status === 429) {
    return new UnleashError(
      'E_UNLEASH_RATE_LIMITED',
      `Unleash at ${url} asks us to slow down (HTTP 429); the mirror backs off and retries on its own.`,
      { status },
    );
  }
  return new UnleashError(
    status >= 500 ? 'E_UNLEASH_SERVER' : 'E_UNLEASH_PROTOCOL',
    status >= 500
      ? `Unleash at ${url} failed on ${path} (HTTP ${status}); the mirror retries with backoff. If it persists, check ` +
          "Unleash's logs and its database."
      : `Unleash at ${url} answered ${path} with an unexpected HTTP ${status}. Check that the URL points at Unleash.`,
    { status },
  );
}

/** The server could not be reached at all (DNS, refused connection, TLS). */
export function unreachable(url: string, cause: string): UnleashError {
  return new UnleashError(
    'E_UNLEASH_UNREACHABLE',
    `Unleash at ${url} could not be reached (${cause}). Check the URL and your network; the local mirror stays ` +
      'readable and catches up when Unleash is back.',
  );
}

/** No answer within the time limit. */
export function timedOut(url: string, path: string, ms: number): UnleashError {
  return new UnleashError(
    'E_UNLEASH_TIMEOUT',
    `Unleash at ${url} did not answer ${path} within ${ms / 1000} s; the mirror retries with backoff. The local mirror ` +
      'stays readable meanwhile.',
  );
}

/** The answer is not what Unleash's admin API sends. */
export function protocolError(url: string, path: string, what: string): UnleashError {
  return new UnleashError(
    'E_UNLEASH_PROTOCOL',
    `The server at ${url} answered ${path} with something that is not Unleash's admin API (${what}). Check that the ` +
      'URL points at Unleash itself, not at a proxy login page or another service. Nothing was mirrored from it.',
  );
}

/** Unleash refused a write (HTTP 400, 409 or 422): its own message says why. */
export function refused(url: string, method: string, path: string, body: string): UnleashError {
  let why = body.slice(0, 300).replace(/\s+/g, ' ').trim();
  try {
    const parsed = JSON.parse(body) as { message?: unknown; details?: { message?: unknown }[] };
    const detail = parsed.details?.[0]?.message;
    why = typeof detail === 'string' ? detail : typeof parsed.message === 'string' ? parsed.message : why;
  } catch {
    // not JSON: keep the text
  }
  return new UnleashError(
    'E_UNLEASH_REFUSED',
    `Unleash at ${url} refused ${method} ${path}: ${why || 'no reason given'}. Nothing was changed by this request; ` +
      'check the flag in Unleash.',
  );
}
