/** The console's ledger services: the replica, full re-verification, export, and the high-water mark. */
export { Replica, MAX_ENTRIES_PER_READ, openReplicaDatabase } from './replica.ts';
export type {
  AppendResult,
  CheckpointOutcome,
  ConsistencyProofFetcher,
  Evidence,
  IncomingEntry,
  LedgerProblem,
  ReplicaHooks,
  ReplicaOptions,
  StoredEntry,
  VerificationStatus,
} from './replica-types.ts';
export { verifyReplicaFile } from './verify-run.ts';
export type { VerifyMode, VerifyOptions, VerifyProgress, VerifyReport } from './verify-types.ts';
export { verifyExport } from './verify-export.ts';
export { exportReplica } from './export.ts';
export type { ExportSummary } from './export.ts';
export { fileHighWaterMark, memoryHighWaterMark, plainCodec } from './high-water-mark.ts';
export type { HighWaterMark, HighWaterMarkCodec, HighWaterMarkStore } from './high-water-mark.ts';
export { ed25519Signer, ed25519Verify, sha256 } from './node-crypto.ts';
export { SCHEMA_VERSION } from './migrations.ts';
