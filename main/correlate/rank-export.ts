/** Ranking over an exported ledger (`--entries`): parse, mark what a checkpoint covers, find the incident, rank. */
import {
  findIncident,
  rankCandidates,
  type CorrelateOptions,
  type CorrelationEntry,
  type CorrelationResult,
  type Telemetry,
} from '../../shared/correlate/index.ts';
import { sha256 } from '../ledger/node-crypto.ts';
import { verifiedSizeOf } from './checkpoint-cover.ts';
import { checkExportIntegrity, integrityNotes } from './export-integrity.ts';
import { resolveIncident, type IncidentQuery } from './incident-query.ts';
import { parseExport } from './ndjson-entries.ts';

/** Everything a ranking over an export needs. */
export interface ExportRankInput {
  text: string;
  checkpoint: string | null;
  trustedKeys: readonly string[];
  query: IncidentQuery;
  service: string | null;
  environment: string | null;
  options: CorrelateOptions;
  telemetry: Telemetry | null;
}

/** Ranks the changes around an incident in an exported ledger; throws E_INPUT, E_CHECKPOINT or INCIDENT_NOT_FOUND. */
export function rankExport(input: ExportRankInput): CorrelationResult {
  const exp = parseExport(input.text);
  const verifiedSize = input.checkpoint === null ? 0 : verifiedSizeOf(exp, input.checkpoint, input.trustedKeys);
  const entries: CorrelationEntry[] = exp.leaves.map(({ leaf }) => ({ ...leaf, verified: leaf.idx < verifiedSize }));
  const incident = resolveIncident(input.query, input.service, input.environment, (id) => findIncident(entries, id));
  const result = rankCandidates({ entries, incident, telemetry: input.telemetry, options: input.options });
  const extra: string[] = [];
  if (input.checkpoint === null) {
    extra.push(
      `No checkpoint given: all ${entries.length} entries are treated as unverified (pass --checkpoint <export>/checkpoint.txt and --key <pinned vkey> to verify them).`,
    );
  } else if (verifiedSize < entries.length) {
    extra.push(
      `The checkpoint covers entries 0..${verifiedSize - 1}; the ${entries.length - verifiedSize} after them are unverified.`,
    );
  }
  if (exp.gaps > 0)
    extra.push(`The export skips idx values in ${exp.gaps} place(s): changes there are missing from the ranking.`);
  extra.push(...integrityNotes(checkExportIntegrity(sha256, exp.leaves)));
  return { ...result, notes: [...extra, ...result.notes] };
}
