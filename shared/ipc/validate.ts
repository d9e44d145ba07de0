/**
 * Argument validation for every invoke channel. The renderer is untrusted (Electron checklist:
 * "validate IPC arguments in main"), so main runs these before any handler sees the arguments.
 */
import type { ArgsOf, InvokeChannel } from './contract.ts';
import type { IpcError } from './result.ts';
import { TIERS } from '../protocol/tier.ts';
import {
  arr,
  bool,
  byKey,
  int,
  obj,
  oneOf,
  optional,
  SchemaError,
  str,
  text,
  timestampText as timestamp,
  type Check,
} from '../validation/schema.ts';

/** A validator returns the typed arguments or an error with code E_INVALID_ARGUMENT. */
export type Validator<C extends InvokeChannel> = (
  raw: unknown,
) => { ok: true; args: ArgsOf<C> } | { ok: false; error: IpcError };

const none: Check<null> = (v, path) => {
  if (v === null || v === undefined) return null;
  throw new SchemaError(path, 'must be empty: this call takes no arguments');
};

const tier = oneOf(TIERS);
/** An http(s) URL. */
const httpUrl = str({ max: 2048, pattern: /^https?:\/\/[^\s/?#]+(:\d+)?(\/[^\s]*)?$/, what: 'an http(s) URL' });
/** A flag key `team.domain.purpose` (dot-separated lowercase segments). */
const flagKey = str({
  max: 200,
  pattern: /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$/,
  what: 'a flag key like team.domain.purpose',
});
const name = str({ min: 1, max: 200 });
const idx = int(0, Number.MAX_SAFE_INTEGER);
const reason = text(10, 2000, 'a reason of at least 10 characters');
const envName = str({ min: 1, max: 64, pattern: /^[a-z0-9][a-z0-9_-]*$/, what: 'an environment name like production' });
const hex64 = str({ max: 64, pattern: /^[0-9a-f]{64}$/, what: 'a 64-character lowercase hex hash' });

const envState = obj({
  enabled: bool(),
  rollout_pct: int(0, 100),
  variation: str({ max: 200 }),
  rules: arr(
    obj({ attribute: name, op: name, values: arr(str({ max: 500 }), 1000), variation: str({ max: 200 }) }),
    500,
  ),
  prerequisites: arr(flagKey, 100),
});

const ledgerFilter = obj({
  from: optional(timestamp),
  to: optional(timestamp),
  flag: optional(str({ max: 200 })),
  service: optional(name),
  team: optional(name),
  actor: optional(name),
  action: optional(name),
  tier: optional(tier),
  env: optional(envName),
  changesOnly: optional(bool()),
});

const window = { windowMinutes: optional(int(1, 7 * 24 * 60)), limit: optional(int(1, 50)) };

const schemas: { [C in InvokeChannel]: Check<ArgsOf<C>> } = {
  'app:info': none,
  'connection:status': none,
  'connection:probe': none,
  'profiles:list': none,
  'profiles:add': obj({
    name: str({ min: 1, max: 80 }),
    url: httpUrl,
    environment: envName,
    token: str({ min: 1, max: 4096 }),
  }),
  'profiles:select': obj({ id: name }),
  'profiles:remove': obj({ id: name }),
  'sync:state': none,
  'sync:confirmKey': obj({ vkey: str({ min: 1, max: 512 }), accept: bool() }),
  'identity:get': none,
  'ledger:query': obj({
    filter: ledgerFilter,
    offset: int(0, Number.MAX_SAFE_INTEGER),
    limit: int(1, 1000),
    order: oneOf(['asc', 'desc'] as const),
  }),
  'ledger:entry': obj({ idx }),
  'ledger:inclusion': obj({ idx }),
  'verify:status': none,
  'verify:run': obj({ mode: oneOf(['deep', 'quick'] as const) }),
  'verify:cancel': obj({ runId: name }),
  'verify:evidence': none,
  'verify:report': none,
  'replica:quarantine': obj({ reason }),
  'correlation:rank': byKey(
    'incidentId',
    obj({ incidentId: name, ...window }),
    obj({ at: timestamp, service: optional(name), ...window }),
  ),
  'incidents:list': obj({ resolvedLimit: int(0, 100_000) }),
  'incidents:acknowledge': obj({ id: name, note: optional(str({ max: 1000 })) }),
  'incidents:resolve': obj({ id: name, note: optional(str({ max: 1000 })) }),
  'flags:list': obj({ query: str({ max: 200 }), limit: int(1, 500) }),
  'flags:get': obj({ key: flagKey }),
  'changeRequests:list': obj({
    status: oneOf(['PENDING', 'APPROVED', 'APPLIED', 'REJECTED', 'VOIDED', 'ALL'] as const),
  }),
  'changeRequests:create': obj({
    flag: flagKey,
    env: envName,
    after: envState,
    reason,
    scheduledAt: optional(timestamp),
  }),
  'changeRequests:approve': obj({ id: name, payloadHash: hex64 }),
  'changeRequests:reject': obj({ id: name, reason }),
  'actions:kill': obj({ flag: flagKey, env: envName, reason, breakGlassToken: optional(str({ min: 1, max: 200 })) }),
  'actions:rollback': obj({ idx, reason, breakGlassToken: optional(str({ min: 1, max: 200 })) }),
  'breakGlass:issue': obj({
    justification: text(20, 2000, 'a justification of at least 20 characters'),
    flags: arr(flagKey, 100),
    envs: arr(envName, 20),
    ttlMinutes: int(1, 240),
  }),
  'breakGlass:acknowledge': obj({ idx }),
  'breakGlass:pending': none,
  'breakGlass:recent': none,
  'metrics:series': obj({ service: name, from: timestamp, to: timestamp, stepSeconds: int(1, 3600) }),
  'fleet:get': none,
};

function validatorFor<C extends InvokeChannel>(channel: C): Validator<C> {
  const check = schemas[channel];
  return (raw) => {
    try {
      return { ok: true, args: check(raw === undefined ? null : raw, 'arguments') };
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err;
      return {
        ok: false,
        error: { code: 'E_INVALID_ARGUMENT', message: `The request was refused and nothing changed: ${err.message}.` },
      };
    }
  };
}

/** The validator of every channel; a missing entry is a type error. */
export const validators: { [C in InvokeChannel]: Validator<C> } = Object.fromEntries(
  (Object.keys(schemas) as InvokeChannel[]).map((c) => [c, validatorFor(c)]),
) as { [C in InvokeChannel]: Validator<C> };
