/**
 * Every path of the control-plane HTTP API, once. A path is a pattern with `:name` parameters: the control plane's
 * router matches requests against it, and a client fills it in with `pathTo` (each parameter URI-encoded).
 */

/** The prefix of every versioned endpoint. */
export const API_PREFIX = '/api/v1';

/** The endpoint patterns, by name (docs/protocol.md describes each). */
export const PATHS = {
  health: '/health',
  ready: '/readyz',
  me: '/api/v1/me',
  info: '/api/v1/info',

  ledgerStream: '/api/v1/ledger/stream',
  ledgerEntries: '/api/v1/ledger/entries',
  ledgerCheckpoint: '/api/v1/ledger/checkpoint',
  ledgerCheckpoints: '/api/v1/ledger/checkpoints',
  inclusionProof: '/api/v1/ledger/proof/inclusion',
  consistencyProof: '/api/v1/ledger/proof/consistency',
  ledgerKeys: '/api/v1/ledger/keys',
  ledgerKeysRotate: '/api/v1/ledger/keys/rotate',
  rollbackLink: '/api/v1/ledger/entries/:idx/rollback-link',
  rollback: '/api/v1/ledger/entries/:idx/rollback',

  flags: '/api/v1/flags',
  flag: '/api/v1/flags/:key',
  flagEnvironment: '/api/v1/flags/:key/environments/:env',
  kill: '/api/v1/flags/:key/kill',
  archive: '/api/v1/flags/:key/archive',
  schedule: '/api/v1/flags/:key/schedule',
  tombstones: '/api/v1/tombstones',
  environments: '/api/v1/environments',

  changeRequests: '/api/v1/change-requests',
  changeRequest: '/api/v1/change-requests/:id',
  approve: '/api/v1/change-requests/:id/approve',
  reject: '/api/v1/change-requests/:id/reject',

  breakGlassTokens: '/api/v1/break-glass/tokens',

  incidents: '/api/v1/incidents',
  pagerDuty: '/api/v1/incidents/pagerduty',
  incident: '/api/v1/incidents/:id',
  acknowledgeIncident: '/api/v1/incidents/:id/acknowledge',
  resolveIncident: '/api/v1/incidents/:id/resolve',

  telemetry: '/api/v1/telemetry',
  breakers: '/api/v1/telemetry/breakers',
  metrics: '/api/v1/metrics',
  metricsStream: '/api/v1/metrics/stream',
  services: '/api/v1/services',
  alerts: '/api/v1/alerts',

  sdkConfig: '/api/v1/sdk/config',
  sdkStream: '/api/v1/sdk/stream',
  sdkFlagd: '/api/v1/sdk/flagd',
  sdkStats: '/api/v1/sdk/stats',
  sdkAck: '/api/v1/sdk/ack',
  sdkFleet: '/api/v1/sdk/fleet',
  sdkFleetApplied: '/api/v1/sdk/fleet/applied',
  sdkKeys: '/api/v1/sdk/keys',
  sdkKey: '/api/v1/sdk/keys/:id',
} as const;

/** The name of an endpoint. */
export type PathName = keyof typeof PATHS;

/** The parameter names of a pattern: `'/a/:key/b/:env'` → `'key' | 'env'`. */
export type PathParams<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParams<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

type ParamArgs<P extends string> = [PathParams<P>] extends [never]
  ? []
  : [params: Record<PathParams<P>, string | number>];

/** The concrete path of an endpoint, each parameter URI-encoded: `pathTo('kill', { key: 'a.b.c' })` → `/api/v1/flags/a.b.c/kill`. */
export function pathTo<N extends PathName>(name: N, ...args: ParamArgs<(typeof PATHS)[N]>): string {
  const params: Record<string, string | number> = args[0] ?? {};
  return PATHS[name].replace(/:([a-z_]+)/gi, (_, p: string) => {
    const v = params[p];
    if (v === undefined) throw new TypeError(`${name} needs the path parameter ${p}`);
    return encodeURIComponent(String(v));
  });
}
