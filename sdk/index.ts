/** The Tombstone SDK for Node services (docs/sdk.md): a local-evaluation client and its OpenFeature provider. */
export { TombstoneClient } from './client.ts';
export type { TombstoneClientOptions, ClientStatus, ClientError, Evaluation } from './client.ts';
export { TombstoneProvider, OUTCOME_EVENT } from './provider.ts';
export { ConfigCache, FrameError } from './cache.ts';
export type { FrameErrorCode } from './cache.ts';
export { SDK_VERSION } from './version.ts';
export type { EvalContext, EvalResult } from '../shared/eval/index.ts';
