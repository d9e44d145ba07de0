/** Liveness, readiness and identity. */
import { PATHS } from '../../shared/protocol/index.ts';
import type { App } from '../domain/app.ts';
import { json, type Route } from '../http/router.ts';

/** Health route table. /health and /readyz need no token (probes); they reveal nothing beyond up/ready. */
export function healthRoutes(app: App, ready: () => boolean): Route[] {
  return [
    { method: 'GET', path: PATHS.health, access: 'public', handle: () => json(200, { status: 'ok' }) },
    {
      method: 'GET',
      path: PATHS.ready,
      access: 'public',
      handle: () =>
        ready()
          ? json(200, { ready: true })
          : json(503, {
              error: {
                code: 'NOT_READY',
                message: 'the control plane is still starting (loading the ledger or the demo); retry shortly',
              },
            }),
    },
    {
      method: 'GET',
      path: PATHS.me,
      access: 'read',
      handle: (ctx) => json(200, { name: ctx.principal.name, role: ctx.principal.role }),
    },
    {
      method: 'GET',
      path: PATHS.info,
      access: 'read',
      handle: () =>
        json(200, {
          origin: app.ledger.origin,
          size: app.ledger.size,
          environments: app.options.environments,
          checkpoint: { every: app.options.checkpointEvery, interval_ms: app.options.checkpointIntervalMs },
          stream_clients: app.hub.count,
        }),
    },
  ];
}
