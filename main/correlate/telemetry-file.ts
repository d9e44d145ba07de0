/**
 * Reads optional error-rate telemetry from a JSON file: `{"flags": {"<key>": [{"at", "error_rate", "requests"?}]},
 * "services": {"<service>": [...]}}` (for instance saved from the control plane's /api/v1/metrics).
 */
import type { ErrorRateSample, Telemetry } from '../../shared/correlate/index.ts';
import { CorrelateInputError } from './errors.ts';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(where: string, what: string): never {
  throw new CorrelateInputError('E_INPUT', `telemetry ${where}: ${what}.`);
}

function sample(v: unknown, where: string): ErrorRateSample {
  if (!isRecord(v)) bad(where, 'each sample must be an object {at, error_rate, requests?}');
  const { at, error_rate: rate, requests } = v;
  if (typeof at !== 'string') bad(where, '"at" must be an RFC 3339 time string');
  if (typeof rate !== 'number') bad(where, '"error_rate" must be a number between 0 and 1');
  if (requests !== undefined && typeof requests !== 'number') bad(where, '"requests" must be a number');
  return requests === undefined ? { at, error_rate: rate } : { at, error_rate: rate, requests };
}

function seriesMap(v: unknown, kind: string): Record<string, ErrorRateSample[]> {
  if (v === undefined) return {};
  if (!isRecord(v)) bad(kind, `"${kind}" must map names to arrays of samples`);
  const out: Record<string, ErrorRateSample[]> = {};
  for (const [name, list] of Object.entries(v)) {
    if (!Array.isArray(list)) bad(`${kind}.${name}`, 'must be an array of samples');
    out[name] = list.map((s, i) => sample(s, `${kind}.${name}[${i}]`));
  }
  return out;
}

/** Parses telemetry JSON text; throws E_INPUT naming the first bad field (values are range-checked when ranking). */
export function parseTelemetry(text: string): Telemetry {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new CorrelateInputError('E_INPUT', 'the telemetry file is not JSON.');
  }
  if (!isRecord(v)) bad('file', 'must be an object with "flags" and/or "services"');
  return { flags: seriesMap(v['flags'], 'flags'), services: seriesMap(v['services'], 'services') };
}
