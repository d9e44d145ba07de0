/**
 * Exports a replica for auditors: entries.ndjson (exact leaf bytes, one per line, every held entry from 0),
 * every stored checkpoint note, the latest as checkpoint.txt, the trust store, and a manifest.
 */
import { mkdirSync, openSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { formatVerifierKey, toHex } from '../../shared/ledger/index.ts';
import { Store } from './store.ts';
import { openVerifyConnection } from './verify-db.ts';
import { sha256 } from './node-crypto.ts';

/** What was written. */
export interface ExportSummary {
  origin: string;
  entries: number;
  verifiedSize: number;
  root: string;
  checkpoints: number;
  files: string[];
}

const BATCH = 10_000;

function writeEntries(store: Store, path: string): number {
  const fd = openSync(path, 'w', 0o644);
  let count = 0;
  try {
    for (;;) {
      const rows = store.entries(count, count + BATCH);
      for (const row of rows) {
        if (row.idx !== count)
          throw new Error(
            `E_EXPORT_GAP: entry ${count} is missing from the replica; run \`verify\` to locate the damage.`,
          );
        writeSync(fd, Buffer.concat([row.leaf, Buffer.from('\n')]));
        count++;
      }
      if (rows.length < BATCH) return count;
    }
  } finally {
    closeSync(fd);
  }
}

/** Writes the export of the replica at `dbPath` into `outDir` (created if missing). */
export function exportReplica(dbPath: string, outDir: string): ExportSummary {
  const db = openVerifyConnection(dbPath);
  try {
    const store = new Store(db);
    const state = store.state();
    if (state === null) throw new Error(`E_NOT_A_REPLICA: ${dbPath} has no verification state`);
    mkdirSync(join(outDir, 'checkpoints'), { recursive: true });
    const files = ['entries.ndjson'];
    const entries = writeEntries(store, join(outDir, 'entries.ndjson'));
    const checkpoints = store.checkpoints();
    for (const cp of checkpoints) {
      writeFileSync(join(outDir, 'checkpoints', `${cp.size}.txt`), cp.note);
      files.push(`checkpoints/${cp.size}.txt`);
    }
    if (state.latestNote !== null) {
      writeFileSync(join(outDir, 'checkpoint.txt'), state.latestNote);
      files.push('checkpoint.txt');
    }
    const keys = store.keys();
    writeFileSync(
      join(outDir, 'trusted-keys.txt'),
      keys
        .filter((k) => k.revoked !== true)
        .map((k) => `${formatVerifierKey(sha256, k.name, k.publicKey)}\n`)
        .join(''),
    );
    writeFileSync(
      join(outDir, 'trusted-keys.json'),
      `${JSON.stringify(
        keys.map((k) => ({
          vkey: formatVerifierKey(sha256, k.name, k.publicKey),
          valid_from_size: k.validFromSize ?? 0,
          valid_until_size: k.validUntilSize ?? null,
          revoked: k.revoked === true,
        })),
        null,
        2,
      )}\n`,
    );
    files.push('trusted-keys.txt', 'trusted-keys.json');
    const summary = {
      origin: state.origin,
      entries,
      verifiedSize: state.verifiedSize,
      root: toHex(state.root),
      checkpoints: checkpoints.length,
      files: [...files, 'manifest.json'],
    };
    writeFileSync(
      join(outDir, 'manifest.json'),
      `${JSON.stringify({ ...summary, exported_at: new Date().toISOString() }, null, 2)}\n`,
    );
    return summary;
  } finally {
    db.close();
  }
}
