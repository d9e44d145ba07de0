/**
 * Ranking over the replica (the `correlation:ranked` service and `correlate --db`): catch the index up, read the
 * window by time, the definitions (as of the window's end) of only the flags involved and the flags that depend on
 * them, the approvals they reference, and rank with the same pure scorer the export path and the UI use.
 */
import type Database from 'better-sqlite3';
import {
  CorrelateError,
  incidentFromEntry,
  parseInstant,
  rankCandidates,
  resolveOptions,
  type CorrelateOptions,
  type CorrelationEntry,
  type CorrelationResult,
  type IncidentInput,
  type Telemetry,
} from '../../shared/correlate/index.ts';
import { catchUpIndex } from './index-catchup.ts';
import { resolveIncident, type IncidentQuery } from './incident-query.ts';
import {
  approvedAmong,
  catalogAsOf,
  changesBetween,
  dependentFlags,
  firstEntry,
  incidentEntry,
  replicaQueries,
} from './replica-query.ts';

/** One ranking request against the replica. */
export interface ReplicaRankRequest {
  query: IncidentQuery;
  service: string | null;
  environment: string | null;
  options: CorrelateOptions;
  telemetry: Telemetry | null;
}

/** An incident and the changes in its window, read once; `rankWindow` ranks them. */
export interface ReplicaWindow {
  incident: IncidentInput;
  window: CorrelationEntry[];
  toMs: number;
}

/**
 * Catches the index up, resolves the incident a request names and reads the changes in its window. The console reads
 * the window first to fetch per-flag telemetry for the changed flags, then ranks it. Throws like rankFromReplica.
 */
export function readWindow(db: Database.Database, req: Omit<ReplicaRankRequest, 'telemetry'>): ReplicaWindow {
  catchUpIndex(db);
  const q = replicaQueries(db);
  const incident = resolveIncident(req.query, req.service, req.environment, (id) => {
    const e = incidentEntry(q, id);
    if (e === null) {
      throw new CorrelateError(
        'INCIDENT_NOT_FOUND',
        `no incident.triggered entry for incident "${id}" in this replica; check the id, or give --at <time> --service <name>.`,
      );
    }
    return incidentFromEntry(e);
  });
  const o = resolveOptions(req.options);
  const t = parseInstant(incident.at);
  const toMs = t + o.skewSeconds * 1000;
  return { incident, window: changesBetween(q, t - (o.windowSeconds + o.skewSeconds) * 1000, toMs), toMs };
}

/** The flags changed in a window, closest to the alert first. */
export function changedFlags(w: ReplicaWindow): string[] {
  return [
    ...new Set(
      w.window
        .map((e) => e.flag)
        .filter((f): f is string => f !== null)
        .reverse(),
    ),
  ];
}

/** Ranks a window read by `readWindow`: the definitions and approvals it needs, then the pure scorer. */
export function rankWindow(db: Database.Database, w: ReplicaWindow, req: ReplicaRankRequest): CorrelationResult {
  const q = replicaQueries(db);
  const flags = dependentFlags(
    q,
    [...new Set(w.window.map((e) => e.flag ?? ''))].filter((f) => f !== ''),
  );
  const catalog = catalogAsOf(q, flags, w.toMs);
  const refs = [...new Set(w.window.map((e) => e.refs['change_request']).filter((r): r is string => r !== undefined))];
  return rankCandidates({
    entries: w.window,
    incident: w.incident,
    catalog,
    approvedChangeRequests: approvedAmong(q, refs),
    telemetry: req.telemetry,
    options: req.options,
    firstEntryAt: firstEntry(q)?.ts ?? null,
  });
}

/** Ranks the changes around an incident recorded in the replica, or around a manually entered time. */
export function rankFromReplica(db: Database.Database, req: ReplicaRankRequest): CorrelationResult {
  return rankWindow(db, readWindow(db, req), req);
}
