/**
 * Writes scenarios as the console's export format (NDJSON of exact canonical leaf texts with a real `prev` chain), so
 * the same scenarios can be run through `tombstone-console correlate --entries`, and cross-checks that path.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildLeafText, leafHash, toHex, utf8Encode, type LedgerLeaf } from '../../shared/ledger/index.ts';
import type { CorrelationEntry } from '../../shared/correlate/types.ts';
import { sha256 } from '../../main/ledger/node-crypto.ts';
import { rankExport } from '../../main/correlate/rank-export.ts';
import { rankCandidates } from '../../shared/correlate/rank.ts';
import type { Scenario } from './types.ts';

/** The export text of a scenario's ledger: canonical leaves, `prev` = hex leaf hash of the previous one. */
export function toNdjson(entries: readonly CorrelationEntry[]): string {
  let prev = '';
  const lines = entries.map(({ verified: _verified, ...rest }) => {
    const leaf: LedgerLeaf = { ...rest, prev };
    const text = buildLeafText(leaf);
    prev = toHex(leafHash(sha256, utf8Encode(text)));
    return text;
  });
  return lines.join('\n') + '\n';
}

/** Writes scenarios and a manifest (incident id, true cause idx) into `dir`. */
export function exportScenarios(dir: string, scenarios: readonly Scenario[]): void {
  mkdirSync(dir, { recursive: true });
  const manifest = scenarios.map((s) => {
    const file = `${s.id}.ndjson`;
    writeFileSync(join(dir, file), toNdjson(s.entries));
    return { file, mix: s.mix, incident: s.incident.id, truth_idx: s.truthIdx, tags: s.tags };
  });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
}

/** True when ranking the scenario through the export path gives the same top-3 as ranking it in memory. */
export function sameThroughExport(s: Scenario): boolean {
  const direct = rankCandidates({ entries: s.entries, incident: s.incident, telemetry: s.telemetry }).candidates.map(
    (c) => c.ledger_idx,
  );
  const viaExport = rankExport({
    text: toNdjson(s.entries),
    checkpoint: null,
    trustedKeys: [],
    query: { kind: 'incident', id: s.incident.id ?? '' },
    service: null,
    environment: null,
    options: {},
    telemetry: s.telemetry,
  }).candidates.map((c) => c.ledger_idx);
  return direct.length === viaExport.length && direct.every((idx, i) => viaExport[i] === idx);
}
