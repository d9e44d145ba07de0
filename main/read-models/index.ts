/** The console's read models over the local ledger replica (see README-level notes in each module). */
export { catchUpReadModels, type ReadModelCatchUp } from './catch-up.ts';
export { queryLedger } from './ledger-query.ts';
export { entryDetail, inclusionCheck } from './entry-detail.ts';
export { flagDetail, listChangeRequests, listFlags, listIncidents } from './lists.ts';
export { migrateReadModels, readModelSchemaVersion, READ_MODEL_SCHEMA_VERSION } from './schema.ts';
