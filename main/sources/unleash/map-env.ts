/**
 * Handlers of events that change a flag in one environment (the environment toggle, strategies added, updated or
 * removed, environment variants): each becomes `flag.updated` with env set and the environment's full EnvState before
 * and after, so the console's read models and the correlation ranking see rollout, targeting, variant and on/off
 * changes exactly as they see them for a Tombstone control plane.
 */
import type { JsonValue } from '../../../shared/ledger/leaf.ts';
import { envStateOf, type UnleashEnvConfig } from './env-state.ts';
import { UNKNOWN_STATE, type Handler, type MapInput, type Mapped } from './map-types.ts';
import { isRec, parseStrategy, parseVariants, type UnleashStrategy } from './model.ts';
import { envConfig, unseenFlag, withEnv } from './state.ts';

/** A new configuration from the old one, or null when the event's payload is unreadable. */
type EnvChange = (config: UnleashEnvConfig, input: MapInput) => UnleashEnvConfig | null;

/** Whether the payload is readable even without a known configuration (so an unknown state can still be reported). */
type Readable = (input: MapInput) => boolean;

/** What the event alone says about the new configuration, for an environment whose configuration is unknown. */
type Partial = (input: MapInput) => { [key: string]: JsonValue };

/** An env-change handler: `change` applies the event to a known configuration, `partial` says what it alone tells. */
interface EnvHandler {
  change: EnvChange;
  readable: Readable;
  partial: Partial;
  what: (input: MapInput) => string;
}

function envChange({ change, readable, partial, what }: EnvHandler): Handler {
  return (input) => {
    const { featureName: key, environment: env } = input.event;
    if (key === null || key === '' || env === null || env === '' || !readable(input)) return null;
    const flag = input.flag ?? unseenFlag(key, input.event.project);
    const refs = strategyRef(input);
    const config = envConfig(flag, env);
    if (config === null) {
      // Before is unknown; after is unknown too, except for what this event says (so it is still a change).
      const after = { ...(UNKNOWN_STATE as { [key: string]: JsonValue }), ...partial(input) };
      const unknown: Mapped = { action: 'flag.updated', env, before: UNKNOWN_STATE, after, what: what(input) };
      return { ...unknown, flag, ...(refs ? { refs } : {}) };
    }
    const next = change(config, input);
    if (next === null) return null;
    const mapped: Mapped = {
      action: 'flag.updated',
      env,
      before: envStateOf(config),
      after: envStateOf(next),
      what: what(input),
      flag: withEnv(flag, env, next),
    };
    return refs ? { ...mapped, refs } : mapped;
  };
}

function strategyIn(input: MapInput): UnleashStrategy | null {
  return parseStrategy(input.event.type === 'feature-strategy-remove' ? input.event.preData : input.event.data);
}

function strategyRef(input: MapInput): Record<string, string> | undefined {
  if (!input.event.type.startsWith('feature-strategy-')) return undefined;
  const s = strategyIn(input);
  return s === null ? undefined : { unleash_strategy: s.id };
}

function describeStrategy(verb: string): (input: MapInput) => string {
  return (input) => {
    const s = strategyIn(input);
    return `strategy ${s?.title ?? s?.name ?? '?'} ${verb} in ${input.event.environment ?? '?'}`;
  };
}

const always: Readable = () => true;
const hasStrategy: Readable = (input) => strategyIn(input) !== null;
const hasVariants: Readable = (input) => isRec(input.event.data) && Array.isArray(input.event.data['variants']);
const strategyPartial: Partial = (input) => ({ strategy: input.event.data });

/** `feature-environment-enabled` / `feature-environment-disabled`. */
export function toggle(enabled: boolean): Handler {
  return envChange({
    change: (config) => ({ ...config, enabled }),
    readable: always,
    partial: () => ({ enabled }),
    what: (input) => `${input.event.environment ?? '?'} ${enabled ? 'enabled' : 'disabled'}`,
  });
}

function replaceStrategy(config: UnleashEnvConfig, s: UnleashStrategy): UnleashEnvConfig {
  const others = config.strategies.filter((x) => x.id !== s.id);
  return { ...config, strategies: [...others, s] };
}

const putStrategy: EnvChange = (config, input) => {
  const s = strategyIn(input);
  return s === null ? null : replaceStrategy(config, s);
};

/** `feature-strategy-add`. */
export const strategyAdded = envChange({
  change: putStrategy,
  readable: hasStrategy,
  partial: strategyPartial,
  what: describeStrategy('added'),
});

/** `feature-strategy-update`. */
export const strategyUpdated = envChange({
  change: putStrategy,
  readable: hasStrategy,
  partial: strategyPartial,
  what: describeStrategy('updated'),
});

/** `feature-strategy-remove` (the removed strategy is in preData). */
export const strategyRemoved = envChange({
  change: (config, input) => {
    const s = strategyIn(input);
    return s === null ? null : { ...config, strategies: config.strategies.filter((x) => x.id !== s.id) };
  },
  readable: hasStrategy,
  partial: (input) => ({ removed_strategy: strategyIn(input)?.id ?? null }),
  what: describeStrategy('removed'),
});

/** `feature-environment-variants-updated`. */
export const envVariants = envChange({
  change: (config, input) => {
    const data = input.event.data;
    return isRec(data) ? { ...config, variants: parseVariants(data['variants']) } : null;
  },
  readable: hasVariants,
  partial: (input) => ({ variants: isRec(input.event.data) ? (input.event.data['variants'] ?? null) : null }),
  what: (input) => `variants updated in ${input.event.environment ?? '?'}`,
});
