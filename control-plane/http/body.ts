/** Request body reading with a hard size cap (413 beyond it) and strict JSON parsing. */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.ts';
import { firstLoneSurrogate, SchemaError, type Check } from '../../shared/validation/schema.ts';

/** Largest accepted request body: 1 MiB. */
export const MAX_BODY_BYTES = 1024 * 1024;
// Past this much we stop draining an oversize upload and cut the connection.
const DRAIN_LIMIT = 16 * MAX_BODY_BYTES;

function tooLarge(limit: number): HttpError {
  return new HttpError('PAYLOAD_TOO_LARGE', `the request body is larger than ${limit} bytes; send a smaller body`);
}

/**
 * Reads the raw body. Oversize bodies are drained (up to a bound, so the client can read the 413) and rejected;
 * a declared Content-Length above the bound is rejected without reading.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > DRAIN_LIMIT) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > DRAIN_LIMIT) req.destroy();
    });
    req.on('end', () => (size > limit ? reject(tooLarge(limit)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
    req.on('close', () => {
      if (size > DRAIN_LIMIT) reject(tooLarge(limit));
    });
  });
}

/**
 * Parses a JSON body; requires a JSON content type when a body is present. Empty body → undefined. Any string (value
 * or key, at any depth) with a lone UTF-16 surrogate is refused here, once for every endpoint: 400 INVALID_BODY with
 * the JSON path of the first one in `field`.
 */
export function parseJsonBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError('UNSUPPORTED_MEDIA_TYPE', 'request bodies must be sent as Content-Type: application/json');
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new HttpError('MALFORMED_JSON', 'the request body is not valid JSON; check quoting and commas');
  }
  const lone = firstLoneSurrogate(value, 'body');
  if (lone !== null)
    throw new SchemaError(
      lone,
      'contains a lone UTF-16 surrogate (an unpaired \\ud800–\\udfff escape); send well-formed Unicode text',
    );
  return value;
}

/** Runs a body schema at the root path `body` (a refusal names e.g. `body.rules[0].op`). */
export function parseWith<T>(check: Check<T>, value: unknown): T {
  return check(value, 'body');
}
