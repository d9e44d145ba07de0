/** Read-only connections for verification and export. */
import Database from 'better-sqlite3';
import { SCHEMA_VERSION, schemaVersion } from './migrations.ts';
import { fileError, isEmptyReplica } from './replica-db.ts';

/**
 * Opens a replica read-only. No mmap: mapped pages of a 400 MB file would count as resident memory of the process,
 * and bulk reads are not faster with it. Throws E_NOT_A_REPLICA when the file is not a replica database of a schema
 * this build understands.
 */
export function openVerifyConnection(path: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw fileError(path, err);
  }
  try {
    db.pragma('busy_timeout = 5000');
    if (isEmptyReplica(db))
      throw new Error(
        `E_NOT_A_REPLICA: ${path} is an empty replica (nothing was ever synced into it); run sync first.`,
      );
    const version = schemaVersion(db);
    if (version !== SCHEMA_VERSION) {
      throw new Error(
        `E_NOT_A_REPLICA: ${path} has schema version ${version}; expected ${SCHEMA_VERSION}. Is it a Tombstone Console replica?`,
      );
    }
    return db;
  } catch (err) {
    db.close();
    throw fileError(path, err);
  }
}
