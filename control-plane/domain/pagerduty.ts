/**
 * PagerDuty v3 webhooks: `X-PagerDuty-Signature` carries one or more `v1=<hex HMAC-SHA256 of the raw body>` values
 * (several during secret rotation); any match accepts. Events incident.triggered|acknowledged|resolved become
 * incidents; each webhook event id is processed once.
 */
import { hmacHex, safeEqual } from '../crypto/node-crypto.ts';
import { stmt } from '../db/stmt.ts';
import { isRecord, SchemaError } from '../../shared/validation/schema.ts';
import type { App, ActionContext } from './app.ts';
import { findIncident, type Incident, openIncident, transitionIncident } from './incidents.ts';

const EVENTS = ['incident.triggered', 'incident.acknowledged', 'incident.resolved'] as const;
type PdEventType = (typeof EVENTS)[number];

/** What the webhook handler did. */
export interface PdResult {
  status: 'accepted' | 'duplicate' | 'ignored';
  incident_id: string | null;
}

/** True when any v1 signature in the header is the HMAC of the raw body under `secret`. */
export function verifyPagerDutySignature(secret: string, raw: Buffer, header: string | undefined): boolean {
  if (header === undefined || header.length > 4096) return false;
  const expected = hmacHex(secret, raw);
  return header
    .split(',')
    .map((s) => s.trim())
    .some((s) => s.startsWith('v1=') && safeEqual(s.slice(3), expected));
}

/** The PagerDuty signature header value for `raw` (tests and the demo's self-posted incident). */
export function signPagerDuty(secret: string, raw: string | Buffer): string {
  return `v1=${hmacHex(secret, raw)}`;
}

function text(o: Record<string, unknown>, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0 || v.length > 1000) {
    throw new SchemaError(`${path}.${key}`, 'expected a non-empty string');
  }
  return v;
}

function severityOf(data: Record<string, unknown>): Incident['severity'] {
  const priority = isRecord(data['priority']) ? data['priority']['summary'] : undefined;
  if (priority === 'P1') return 'critical';
  if (priority === 'P2') return 'error';
  if (priority === 'P3') return 'warning';
  if (priority === 'P4' || priority === 'P5') return 'info';
  return data['urgency'] === 'low' ? 'warning' : 'critical';
}

/** Handles one verified webhook body (PagerDuty sends many fields we do not use, so unknown fields are allowed here). */
export function handlePagerDutyEvent(app: App, ctx: ActionContext, body: unknown): PdResult {
  const event = isRecord(body) && isRecord(body['event']) ? body['event'] : null;
  if (event === null) throw new SchemaError('body.event', 'expected a PagerDuty v3 webhook event object');
  const eventId = text(event, 'id', 'body.event');
  const type = text(event, 'event_type', 'body.event');
  if (!(EVENTS as readonly string[]).includes(type)) return { status: 'ignored', incident_id: null };
  const data = isRecord(event['data']) ? event['data'] : null;
  if (data === null) throw new SchemaError('body.event.data', 'expected the incident object');
  const id = text(data, 'id', 'body.event.data');
  if (
    stmt(app.db, 'INSERT INTO pagerduty_events (id, received_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING').run(
      eventId,
      ctx.now,
    ).changes === 0
  ) {
    return { status: 'duplicate', incident_id: id };
  }
  const service =
    isRecord(data['service']) && typeof data['service']['summary'] === 'string'
      ? data['service']['summary']
      : 'unknown';
  const occurred = typeof data['created_at'] === 'string' ? Date.parse(data['created_at']) : Number.NaN;
  const known =
    findIncident(app, id) ??
    openIncident(
      app,
      ctx,
      {
        id,
        source: 'pagerduty',
        service,
        title: text(data, 'title', 'body.event.data'),
        severity: severityOf(data),
        env: null,
        triggered_at: new Date(Number.isNaN(occurred) ? ctx.now : occurred).toISOString(),
        html_url: typeof data['html_url'] === 'string' ? data['html_url'] : null,
      },
      `PagerDuty ${type}`,
    );
  const to =
    (type as PdEventType) === 'incident.triggered'
      ? null
      : type === 'incident.acknowledged'
        ? 'acknowledged'
        : 'resolved';
  if (to !== null && known.status !== to && known.status !== 'resolved')
    transitionIncident(app, ctx, id, to, `PagerDuty ${type}`);
  return { status: 'accepted', incident_id: id };
}
