/** Query-string and header helpers for routes (400 INVALID_QUERY on bad input). */
import type { IncomingMessage } from 'node:http';
import { HttpError } from '../http/errors.ts';

/** An integer query parameter within [min, max]; `fallback` when absent (undefined fallback = required). */
export function intParam(url: URL, name: string, min: number, max: number, fallback?: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') {
    if (fallback !== undefined) return fallback;
    throw new HttpError('INVALID_QUERY', `query parameter ${name} is required`, { parameter: name });
  }
  if (!/^(0|[1-9][0-9]{0,15})$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new HttpError('INVALID_QUERY', `query parameter ${name} must be an integer between ${min} and ${max}`, {
      parameter: name,
    });
  }
  return Number(raw);
}

/** An optional string query parameter. */
export function strParam(url: URL, name: string): string | undefined {
  const v = url.searchParams.get(name);
  return v === null || v === '' ? undefined : v;
}

/** A time query parameter: RFC 3339 or epoch milliseconds. */
export function timeParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const ms = /^[0-9]{1,16}$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (Number.isNaN(ms))
    throw new HttpError('INVALID_QUERY', `query parameter ${name} must be RFC 3339 or epoch milliseconds`, {
      parameter: name,
    });
  return ms;
}

/** The X-Break-Glass-Token header, if sent. */
export function breakGlassHeader(req: IncomingMessage): string | undefined {
  const v = req.headers['x-break-glass-token'];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A non-negative integer path parameter. */
export function idxParam(value: string | undefined, name: string): number {
  if (value === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new HttpError('INVALID_QUERY', `${name} must be a non-negative integer`, { parameter: name });
  }
  return Number(value);
}
