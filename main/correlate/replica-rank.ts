/**
 * Ranking over the replica (the `correlation:ranked` service and `correlate --db`): catch the index up, read the
 * window by time, the definitions (as of the window's end) of only the flags involved and the flags that depend on
 * them, the approvals they reference, and rank with the same pure scorer the export path and the UI use.
 */
import type Database from 'better-sqlite3';
import {
  CorrelateError, incidentFromEntry, parseInstant, rankCandidates, resolveOptions,
  type CorrelateOptions, type CorrelationEntry, type CorrelationResult, type IncidentInput, type Telemetry,
} from '../../shared/correlate/index.ts';
import type { IncidentQuery } from './cli-args.ts';
import { catchUpIndex } from './index-catchup.ts';
import { resolveIncident } from './incident-query.ts';
import {
  approvedAmong, catalogAsOf, changesBetween, dependentFlags, firstEntry, incidentEntry, replicaQueries,
} from './replica-query.ts';

/** One ranking request against the replica. */
export interface ReplicaRankRequest {
  query: IncidentQuery;
  service: string | null;
  environment: string | null;
  options: CorrelateOptions;
  telemetry: Telemetry | null;
}

interface ReplicaWindow {
  incident: IncidentInput;
  window: CorrelationEntry[];
  toMs: number;
}

function replicaWindow(db: Database.Database, req: ReplicaRankRequest): ReplicaWindow {
  catchUpIndex(db);
  const q = replicaQueries(db);
  const incident = resolveIncident(req.query, req.service, req.environment, (id) => {
    const e = incidentEntry(q, id);
    if (e === null) {
      throw new CorrelateError('INCIDENT_NOT_FOUND', `no incident.triggered entry for incident "${id}" in this replica; check the id, or give --at <time> --service <name>.`);
    }
    return incidentFromEntry(e);
  });
  const o = resolveOptions(req.options);
  const t = parseInstant(incident.at);
  const toMs = t + o.skewSeconds * 1000;
  return { incident, window: changesBetween(q, t - (o.windowSeconds + o.skewSeconds) * 1000, toMs), toMs };
}

/**
 * The incident a request names and the flags changed in its window, closest to the alert first: what the console
 * needs to fetch per-flag telemetry before it ranks. Throws like rankFromReplica.
 */
export function windowFlags(db: Database.Database, req: Omit<ReplicaRankRequest, 'telemetry'>): { incident: IncidentInput; flags: string[] } {
  const { incident, window } = replicaWindow(db, { ...req, telemetry: null });
  const flags = [...new Set(window.map((e) => e.flag).filter((f): f is string => f !== null).reverse())];
  return { incident, flags };
}

/** Ranks the changes around an incident recorded in the replica, or around a manually entered time. */
export function rankFromReplica(db: Database.Database, req: ReplicaRankRequest): CorrelationResult {
  const { incident, window, toMs } = replicaWindow(db, req);
  const q = replicaQueries(db);
  const flags = dependentFlags(q, [...new Set(window.map((e) => e.flag ?? ''))].filter((f) => f !== ''));
  const catalog = catalogAsOf(q, flags, toMs);
  const refs = [...new Set(window.map((e) => e.refs['change_request']).filter((r): r is string => r !== undefined))];
  return rankCandidates({
    entries: window, incident, catalog, approvedChangeRequests: approvedAmong(q, refs), telemetry: req.telemetry,
    options: req.options, firstEntryAt: firstEntry(q)?.ts ?? null,
  });
}
