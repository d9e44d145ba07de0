/** Incidents (manual or from PagerDuty), each transition recorded as a ledger entry carrying the incident's facts. */
import type { JsonValue, LeafActor } from '../../shared/ledger/index.ts';
import { stmt } from '../db/stmt.ts';
import { DomainError } from './errors.ts';
import type { App, ActionContext } from './app.ts';

/** Incident severities (PagerDuty Events v2 levels). */
export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;

/** Incident lifecycle. */
export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';

/** An incident as stored and served. */
export interface Incident {
  id: string;
  source: 'pagerduty' | 'manual';
  service: string;
  title: string;
  severity: (typeof SEVERITIES)[number];
  env: string | null;
  status: IncidentStatus;
  triggered_at: string;
  html_url: string | null;
}

/** The fields every incident entry carries in `after`. */
function facts(i: Incident): JsonValue {
  return {
    id: i.id,
    service: i.service,
    title: i.title,
    severity: i.severity,
    source: i.source,
    triggered_at: i.triggered_at,
  };
}

/** The incident with this id, or null. */
export function findIncident(app: App, id: string): Incident | null {
  const row = stmt(
    app.db,
    'SELECT id, source, service, title, severity, env, status, triggered_at, html_url FROM incidents WHERE id = ?',
  ).get(id) as Incident | undefined;
  return row ?? null;
}

/** Incidents, newest first, optionally by status. */
export function listIncidents(app: App, status: string | undefined, limit: number): Incident[] {
  return stmt(
    app.db,
    `SELECT id, source, service, title, severity, env, status, triggered_at, html_url FROM incidents
    WHERE (CAST(@status AS TEXT) IS NULL OR status = @status) ORDER BY triggered_at DESC, rowid DESC LIMIT @limit`,
  ).all({ status: status ?? null, limit }) as Incident[];
}

/** Opens an incident (`incident.triggered`). */
export function openIncident(
  app: App,
  ctx: ActionContext,
  input: Omit<Incident, 'id' | 'status'> & { id?: string },
  reason: string,
): Incident {
  const incident: Incident = { ...input, id: input.id ?? `inc-${app.ledger.nextIdx()}`, status: 'triggered' };
  stmt(
    app.db,
    `INSERT INTO incidents (id, source, service, title, severity, env, status, triggered_at, updated_at, html_url)
    VALUES (@id, @source, @service, @title, @severity, @env, @status, @triggered_at, @now, @html_url)`,
  ).run({ ...incident, now: ctx.now });
  append(app, ctx.actor, ctx.now, 'incident.triggered', incident, reason);
  return incident;
}

/** Moves an incident to acknowledged or resolved; 409 INCIDENT_STATE for a transition that makes no sense. */
export function transitionIncident(
  app: App,
  ctx: ActionContext,
  id: string,
  to: 'acknowledged' | 'resolved',
  reason: string,
): Incident {
  const incident = findIncident(app, id);
  if (incident === null) throw new DomainError('INCIDENT_NOT_FOUND', `no incident ${id}`);
  if (incident.status === to || incident.status === 'resolved') {
    throw new DomainError('INCIDENT_STATE', `incident ${id} is already ${incident.status}`);
  }
  stmt(app.db, 'UPDATE incidents SET status = ?, updated_at = ? WHERE id = ?').run(to, ctx.now, id);
  const next = { ...incident, status: to };
  append(app, ctx.actor, ctx.now, `incident.${to}`, next, reason);
  return next;
}

function append(app: App, actor: LeafActor, now: number, action: string, i: Incident, reason: string): void {
  app.ledger.append({
    ts: now,
    actor,
    action,
    flag: null,
    env: i.env,
    before: null,
    after: facts(i),
    reason,
    refs: { incident: i.id },
  });
}

/** The API view of an incident. */
export function incidentView(i: Incident): Record<string, unknown> {
  return { ...i, environment: i.env, env: undefined };
}
