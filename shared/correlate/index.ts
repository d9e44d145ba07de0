/** Local correlation: rank the flag changes most likely to have caused an incident (pure, deterministic). */
export * from './types.ts';
export * from './errors.ts';
export * from './time.ts';
export * from './env-state.ts';
export * from './flag-catalog.ts';
export * from './changes.ts';
export * from './incident.ts';
export * from './weights.ts';
export * from './rank.ts';
