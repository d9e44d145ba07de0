/**
 * What an export says about itself without a checkpoint: whether every line is the canonical leaf text (RFC 8785,
 * the exact bytes the log hashed) and whether each entry's `prev` is the leaf hash of the one before it (the chain
 * the ledger keeps as an extra check, shared/ledger/leaf.ts). Neither proves the history is the log's — only a signed checkpoint does — but a
 * break says the file was edited, re-serialized, reordered or spliced, and the ranking says so.
 */
import { leafHash, type Sha256 } from '../../shared/ledger/index.ts';
import type { ExportedLeaf } from './ndjson-entries.ts';

const utf8 = new TextEncoder();

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The first offending idx and how many there are, per check. */
export interface ExportIntegrity {
  nonCanonical: { first: number; count: number } | null;
  chainBreaks: { first: number; count: number } | null;
}

function tally(into: { first: number; count: number } | null, idx: number): { first: number; count: number } {
  return into === null ? { first: idx, count: 1 } : { first: into.first, count: into.count + 1 };
}

/** Checks canonical form and the prev chain between consecutive idx values (gaps are skipped, not breaks). */
export function checkExportIntegrity(sha: Sha256, leaves: readonly ExportedLeaf[]): ExportIntegrity {
  let nonCanonical: ExportIntegrity['nonCanonical'] = null;
  let chainBreaks: ExportIntegrity['chainBreaks'] = null;
  let before: ExportedLeaf | null = null;
  for (const cur of leaves) {
    if (!cur.canonical) nonCanonical = tally(nonCanonical, cur.leaf.idx);
    const expected =
      cur.leaf.idx === 0
        ? ''
        : before !== null && before.leaf.idx === cur.leaf.idx - 1
          ? hex(leafHash(sha, utf8.encode(before.text)))
          : null;
    if (expected !== null && cur.leaf.prev !== expected) chainBreaks = tally(chainBreaks, cur.leaf.idx);
    before = cur;
  }
  return { nonCanonical, chainBreaks };
}

/** Sentences for the ranking's notes (none when both checks pass). */
export function integrityNotes(r: ExportIntegrity): string[] {
  const more = (n: number): string => (n > 1 ? ` (${n} entries in all)` : '');
  const notes: string[] = [];
  if (r.chainBreaks !== null) {
    notes.push(
      `The export's hash chain breaks at idx ${r.chainBreaks.first}: its prev is not the leaf hash of the entry before it${more(r.chainBreaks.count)}. The file was edited, reordered or spliced after export; get a fresh export and verify it with --checkpoint.`,
    );
  }
  if (r.nonCanonical !== null) {
    notes.push(
      `Entry idx ${r.nonCanonical.first} is not in canonical form (RFC 8785)${more(r.nonCanonical.count)}: these are not the exact bytes the log hashed, so no checkpoint can verify them.`,
    );
  }
  return notes;
}
