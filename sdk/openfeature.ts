/** The Tombstone OpenFeature provider for `@openfeature/server-sdk` (docs/sdk.md). */
export { TombstoneProvider, OUTCOME_EVENT } from './provider.ts';
export type { TombstoneClientOptions } from './client.ts';
