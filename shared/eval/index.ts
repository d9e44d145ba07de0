/** Flag evaluation shared by the SDK, the control plane and the console. */
export { murmur3Utf8, bucketOf, rolloutBucket } from './murmur3.ts';
export { Evaluator, ConfigError, OFF, effectiveState } from './evaluate.ts';
export type { EvalContext, EvalResult, EvalReason, EvalErrorCode } from './evaluate.ts';
export { toFlagd, FLAGD_NOTE, FLAGD_SCHEMA } from './flagd.ts';
export type { FlagdDocument, FlagdFlag } from './flagd.ts';
