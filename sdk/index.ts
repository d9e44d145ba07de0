/**
 * The Tombstone SDK for Node services (docs/sdk.md): the local-evaluation client. The OpenFeature provider is in
 * `./openfeature.ts` (a separate entry, so services without @openfeature/server-sdk can use the client).
 */
export { TombstoneClient } from './client.ts';
export type { TombstoneClientOptions, ClientStatus, ClientError, Evaluation } from './client.ts';
export { ConfigCache, FrameError } from './cache.ts';
export type { FrameErrorCode } from './cache.ts';
export { SDK_VERSION } from './version.ts';
export type { EvalContext, EvalResult } from '../shared/eval/index.ts';
