/** Variants and states must agree: every variation a state or rule names is one of the flag's variants. */
import { DomainError } from './errors.ts';
import type { EnvState, FlagDefinition } from '../../shared/protocol/index.ts';
import { missingVariants } from './flag-def.ts';

/** 422 UNKNOWN_VARIANT when `state` (in `env`) serves a variation the definition's variants lack. */
export function requireVariants(def: Pick<FlagDefinition, 'key' | 'variants'>, env: string, state: EnvState): void {
  const missing = missingVariants(def.variants, state);
  if (missing.length === 0) return;
  const known = Object.keys(def.variants ?? {}).join(', ');
  throw new DomainError(
    'UNKNOWN_VARIANT',
    `${def.key} in ${env} would serve ${missing.join(', ')}, which is not one of its variants (${known}); set the variation (and rule variations) to one of them, or add the variant first`,
    { missing, environment: env },
  );
}
