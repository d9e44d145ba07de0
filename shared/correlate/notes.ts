/** Plain sentences about a ranking's input, shown above the candidates so nobody mistakes silence for evidence. */
import { formatInstant } from './time.ts';
import type { Candidate, CorrelationEntry } from './types.ts';

/** What the notes are derived from. */
export interface NotesInput {
  timed: readonly { e: CorrelationEntry; ms: number }[];
  incidentMs: number;
  fromMs: number;
  toMs: number;
  candidates: readonly Candidate[];
  considered: number;
  service: string | null;
  telemetry: boolean;
  /** Whether any flag's own error rates were supplied. */
  flagTelemetry: boolean;
  /** Overrides the first entry time found in `timed` (see CorrelateInput.firstEntryAt). */
  firstEntryAt: string | null | undefined;
}

function firstEntryMs(timed: NotesInput['timed']): number | null {
  let first: number | null = null;
  for (const t of timed) if (first === null || t.ms < first) first = t.ms;
  return first;
}

/** Describes empty ledgers and windows, incidents before the ledger starts, unverified candidates, missing inputs. */
export function describeNotes(n: NotesInput): string[] {
  const notes: string[] = [];
  const first =
    n.firstEntryAt === undefined ? firstEntryMs(n.timed) : n.firstEntryAt === null ? null : Date.parse(n.firstEntryAt);
  if (first === null) notes.push('The ledger holds no entries: nothing to rank.');
  else if (n.toMs < first) {
    notes.push(`The incident is before the first ledger entry (${formatInstant(first)}): nothing to rank.`);
  } else if (n.considered === 0) {
    notes.push(`No flag changes between ${formatInstant(n.fromMs)} and ${formatInstant(n.toMs)}.`);
  }
  const unverified = n.candidates.filter((c) => !c.verified).length;
  if (unverified > 0) {
    notes.push(`${unverified} of ${n.candidates.length} candidates are not covered by a verified checkpoint yet.`);
  }
  if (n.service === null) notes.push('No incident service given: the service factor is neutral for every change.');
  if (!n.telemetry)
    notes.push("No telemetry supplied: the telemetry factor uses only the ledger's automatic rollbacks.");
  else if (!n.flagTelemetry && n.considered > 0) {
    notes.push(
      "No per-flag error rates: only the service's error onset and the automatic rollbacks count as telemetry (flags' own rates come from the control plane while it is live).",
    );
  }
  return notes;
}
