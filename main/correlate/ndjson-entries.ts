/**
 * Reads an exported ledger (NDJSON, one exact leaf text per line, as `tombstone-console export` writes it) into
 * correlation entries. Each line is parsed with JSON.parse and validated against the v1 leaf schema; entries are
 * unverified unless a checkpoint covers them (checkpoint-cover.ts).
 */
import { isLedgerError, parseCanonicalJson, validateLeafValue, type LedgerLeaf } from '../../shared/ledger/index.ts';
import { CorrelateInputError } from './errors.ts';

/** One parsed line: the leaf, its exact text (the bytes a checkpoint's root commits to), and whether that text is canonical. */
export interface ExportedLeaf {
  leaf: LedgerLeaf;
  text: string;
  canonical: boolean;
}

/** The lines of an export, with any gaps in idx reported (gaps are allowed: an export may be a slice). */
export interface ParsedExport {
  leaves: ExportedLeaf[];
  gaps: number;
}

/** Parses a line with the ledger's canonical check; a line that is JSON but not canonical is still read, marked so. */
function parseJson(line: string, lineNo: number): { value: unknown; canonical: boolean } {
  try {
    return { value: parseCanonicalJson(line), canonical: true };
  } catch (err) {
    if (!isLedgerError(err) || err.code !== 'NOT_CANONICAL') {
      throw new CorrelateInputError(
        'E_INPUT',
        `line ${lineNo} is not JSON; each line of an export must be one leaf text.`,
      );
    }
  }
  return { value: JSON.parse(line) as unknown, canonical: false };
}

function parseLine(line: string, lineNo: number): { leaf: LedgerLeaf; canonical: boolean } {
  const { value, canonical } = parseJson(line, lineNo);
  try {
    return { leaf: validateLeafValue(value), canonical };
  } catch (err) {
    if (isLedgerError(err))
      throw new CorrelateInputError('E_INPUT', `line ${lineNo} is not a v1 ledger leaf: ${err.detail}.`);
    throw err;
  }
}

/** Parses an export; throws E_INPUT naming the first bad line, or when idx does not strictly increase. */
export function parseExport(text: string): ParsedExport {
  const leaves: ExportedLeaf[] = [];
  let gaps = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    if (line.trim() === '') continue;
    const { leaf, canonical } = parseLine(line, i + 1);
    const prev = leaves[leaves.length - 1]?.leaf;
    if (prev !== undefined && leaf.idx <= prev.idx) {
      throw new CorrelateInputError(
        'E_INPUT',
        `line ${i + 1} has idx ${leaf.idx} after idx ${prev.idx}; an export lists entries in increasing idx order.`,
      );
    }
    if (prev !== undefined && leaf.idx !== prev.idx + 1) gaps++;
    leaves.push({ leaf, text: line, canonical });
  }
  return { leaves, gaps };
}
