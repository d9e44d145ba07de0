/** Incidents recorded in the ledger (`incident.triggered`): finding one by id and reading its time and service. */
import type { JsonValue } from '../ledger/leaf.ts';
import { CorrelateError } from './errors.ts';
import { formatInstant, parseInstant } from './time.ts';
import type { CorrelationEntry, IncidentInput } from './types.ts';

function field(after: JsonValue, key: string): string | null {
  if (typeof after !== 'object' || after === null || Array.isArray(after)) return null;
  const v = after[key];
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** The id an `incident.triggered` entry names (refs.incident, else after.id); null for other entries. */
export function incidentIdOf(e: Pick<CorrelationEntry, 'action' | 'refs' | 'after'>): string | null {
  if (e.action !== 'incident.triggered') return null;
  return e.refs['incident'] ?? field(e.after, 'id');
}

function alertTime(e: CorrelationEntry): string {
  // PagerDuty's triggered_at is the alert time on the monitoring clock; the entry's ts is when the ledger heard of it.
  const t = field(e.after, 'triggered_at');
  if (t !== null) {
    try {
      return formatInstant(parseInstant(t));
    } catch {
      return e.ts;
    }
  }
  return e.ts;
}

/** Reads the incident an `incident.triggered` entry describes. */
export function incidentFromEntry(e: CorrelationEntry): IncidentInput {
  return {
    id: incidentIdOf(e),
    service: field(e.after, 'service'),
    environment: e.env,
    at: alertTime(e),
    title: field(e.after, 'title'),
  };
}

/** Finds incident `id` among the entries (its earliest `incident.triggered`); throws INCIDENT_NOT_FOUND. */
export function findIncident(entries: readonly CorrelationEntry[], id: string): IncidentInput {
  let found: CorrelationEntry | null = null;
  for (const e of entries) if (incidentIdOf(e) === id && (found === null || e.idx < found.idx)) found = e;
  if (found === null) {
    throw new CorrelateError(
      'INCIDENT_NOT_FOUND',
      `no incident.triggered entry for incident "${id}" in this ledger; check the id, or give --at <time> --service <name>.`,
    );
  }
  return incidentFromEntry(found);
}
