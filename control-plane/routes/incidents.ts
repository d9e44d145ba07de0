/** Incident endpoints, including the signature-checked PagerDuty v3 webhook. */
import { PATHS } from '../../shared/protocol/index.ts';
import { type App, userContext } from '../domain/app.ts';
import { requireEnv } from '../domain/lookups.ts';
import {
  SEVERITIES,
  findIncident,
  incidentView,
  listIncidents,
  openIncident,
  transitionIncident,
} from '../domain/incidents.ts';
import { handlePagerDutyEvent, verifyPagerDutySignature } from '../domain/pagerduty.ts';
import { parseJsonBody, parseWith } from '../http/body.ts';
import { HttpError } from '../http/errors.ts';
import { json, type Reply, type RequestContext, type Route } from '../http/router.ts';
import { obj, oneOf, optional, str, text, timestamp } from '../../shared/validation/schema.ts';
import { intParam, strParam } from './params.ts';

const createBody = obj({
  service: str({ min: 1, max: 100 }),
  title: text(3, 500),
  severity: oneOf(SEVERITIES),
  environment: optional(str({ min: 1, max: 40 })),
  triggered_at: optional(timestamp()),
});
const noteBody = obj({ note: optional(str({ max: 1000 })) });

function create(app: App, ctx: RequestContext): Reply {
  const body = parseWith(createBody, ctx.body);
  if (body.environment !== undefined) requireEnv(app, body.environment);
  const incident = openIncident(
    app,
    userContext(ctx.principal, ctx.now),
    {
      source: 'manual',
      service: body.service,
      title: body.title,
      severity: body.severity,
      env: body.environment ?? null,
      triggered_at: new Date(body.triggered_at ?? ctx.now).toISOString(),
      html_url: null,
    },
    `opened by ${ctx.principal.name}`,
  );
  return json(201, incidentView(incident));
}

function pagerduty(app: App, ctx: RequestContext): Reply {
  const secret = app.options.pagerdutySecret;
  if (secret === null)
    throw new HttpError(
      'PAGERDUTY_NOT_CONFIGURED',
      'start the control plane with --pagerduty-secret to accept PagerDuty webhooks',
    );
  const header = ctx.req.headers['x-pagerduty-signature'];
  if (!verifyPagerDutySignature(secret, ctx.rawBody, typeof header === 'string' ? header : undefined)) {
    throw new HttpError('BAD_SIGNATURE', 'X-PagerDuty-Signature does not match the body; check the webhook secret');
  }
  const body = parseJsonBody(ctx.rawBody, ctx.req.headers['content-type']);
  const result = handlePagerDutyEvent(app, { actor: { type: 'service', id: 'pagerduty' }, now: ctx.now }, body);
  return json(202, result);
}

function transition(app: App, ctx: RequestContext, to: 'acknowledged' | 'resolved'): Reply {
  const body = parseWith(noteBody, ctx.body ?? {});
  const incident = transitionIncident(
    app,
    userContext(ctx.principal, ctx.now),
    ctx.params['id'] ?? '',
    to,
    body.note ?? `${to} by ${ctx.principal.name}`,
  );
  return json(200, incidentView(incident));
}

/** The incident route table. */
export function incidentRoutes(app: App): Route[] {
  return [
    {
      method: 'GET',
      path: PATHS.incidents,
      access: 'read',
      handle: (ctx) =>
        json(200, {
          incidents: listIncidents(app, strParam(ctx.url, 'status'), intParam(ctx.url, 'limit', 1, 1000, 100)).map(
            incidentView,
          ),
        }),
    },
    {
      method: 'POST',
      path: PATHS.incidents,
      access: 'incidents.write',
      tx: true,
      handle: (ctx) => create(app, ctx),
    },
    {
      method: 'POST',
      path: PATHS.pagerDuty,
      access: 'public',
      rawBody: true,
      tx: true,
      handle: (ctx) => pagerduty(app, ctx),
    },
    {
      method: 'GET',
      path: PATHS.incident,
      access: 'read',
      handle: (ctx) => {
        const incident = findIncident(app, ctx.params['id'] ?? '');
        if (incident === null) throw new HttpError('INCIDENT_NOT_FOUND', `no incident ${ctx.params['id'] ?? ''}`);
        return json(200, incidentView(incident));
      },
    },
    {
      method: 'POST',
      path: PATHS.acknowledgeIncident,
      access: 'incidents.write',
      tx: true,
      handle: (ctx) => transition(app, ctx, 'acknowledged'),
    },
    {
      method: 'POST',
      path: PATHS.resolveIncident,
      access: 'incidents.write',
      tx: true,
      handle: (ctx) => transition(app, ctx, 'resolved'),
    },
  ];
}
