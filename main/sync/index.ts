/**
 * Public surface of the sync engine for the rest of main (IPC wiring, browser mode, CLI). Everything else in this
 * folder is internal.
 */
export { startSync, syncOnce, type OnceResult, type SyncHandle, type SyncOptions } from './engine.ts';
export { SyncEmitter, type SyncEventMap, type SyncEventName, type SyncListener } from './events.ts';
export type { SyncLog, SyncLogEntry } from './errors.ts';
export type { SyncProfile } from './trust-gate.ts';
export type { SyncReplica } from './mirror.ts';
export type { ReplicaOpener } from './replica-holder.ts';
export { bindProfile, secretBoxCodec } from './profile-binding.ts';
export { startMetricsSync, type MetricsSync, type MetricsSyncOptions } from './metrics-sync.ts';
export { MetricsStore } from './metrics-store.ts';
export { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
