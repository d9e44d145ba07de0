/** Which incident a ranking explains: one recorded in the ledger (by id), or a time a responder typed in. */
import type { IncidentInput } from '../../shared/correlate/index.ts';

/** Which incident to explain. */
export type IncidentQuery = { kind: 'incident'; id: string } | { kind: 'at'; at: string };

/** Resolves the incident: from the ledger by id (service and environment may be overridden) or a manual time. */
export function resolveIncident(
  query: IncidentQuery,
  service: string | null,
  environment: string | null,
  lookup: (id: string) => IncidentInput,
): IncidentInput {
  if (query.kind === 'at') return { id: null, service, environment, at: query.at };
  const found = lookup(query.id);
  return { ...found, service: service ?? found.service, environment: environment ?? found.environment };
}
