/** Human-readable rendering of a ranking for the terminal: what a tired responder reads first comes first. */
import {
  formatSeconds,
  readEnvState,
  type Candidate,
  type ContextEntry,
  type CorrelationResult,
} from '../../shared/correlate/index.ts';
import type { JsonValue } from '../../shared/ledger/index.ts';

/** Short form of a flag state: `on 50%`, `off`, `on 100% (v2)`; other values as compact JSON. */
export function describeValue(v: JsonValue): string {
  const s = readEnvState(v);
  if (s === null) {
    const json = JSON.stringify(v);
    return json.length > 60 ? `${json.slice(0, 57)}...` : json;
  }
  const variation = s.variation !== null && s.variation !== 'on' ? ` (${s.variation})` : '';
  const rules =
    Array.isArray(s.rules) && s.rules.length > 0 ? `, ${s.rules.length} rule${s.rules.length > 1 ? 's' : ''}` : '';
  const prereqs = s.prerequisites.length > 0 ? `, needs ${s.prerequisites.join(', ')}` : '';
  return `${s.enabled ? `on ${s.rollout_pct}%${variation}` : 'off'}${rules}${prereqs}`;
}

function when(delta: number): string {
  return delta >= 0 ? `${formatSeconds(delta)} before the alert` : `${formatSeconds(delta)} after the alert`;
}

function multiplier(m: number): string {
  return `×${m >= 10 ? m.toFixed(0) : m >= 0.1 ? m.toFixed(2).replace(/\.?0+$/, '') : m.toPrecision(2)}`;
}

function candidateLines(c: Candidate): string[] {
  const tags = [
    c.verified ? 'verified' : 'UNVERIFIED',
    c.scheduled ? 'scheduled' : '',
    c.pre_approved ? 'pre-approved' : '',
    c.after_alert ? 'after alert' : '',
  ].filter((t) => t !== '');
  const factors = c.explanation
    .filter((f) => f.factor === 'recency' || f.multiplier !== 1)
    .map((f) => `${multiplier(f.multiplier)} ${f.text}`);
  return [
    `#${c.candidate_rank}  ${c.flag_key}  ${c.environment ?? '-'}  score ${c.score}  ${c.confidence}  [${tags.join(', ')}]`,
    `    ${c.actor} changed it ${when(c.delta_seconds_before_alert)}: ${describeValue(c.previous_value)} → ${describeValue(c.new_value)}  (ledger idx ${c.ledger_idx})`,
    `    ${factors.join(' · ')}`,
  ];
}

function contextLine(e: ContextEntry): string {
  return `  idx ${e.ledger_idx}  ${e.flag_key} ${e.environment ?? '-'}  ${describeValue(e.previous_value)} → ${describeValue(e.new_value)} by ${e.actor}, ${when(e.delta_seconds_before_alert)}${e.reason === '' ? '' : `: ${e.reason}`}`;
}

/** The whole ranking as text. */
export function formatResult(r: CorrelationResult): string {
  const i = r.incident;
  const head = `Incident ${i.id ?? '(manual time)'} on ${i.service ?? 'an unnamed service'}${i.environment === null ? '' : ` (${i.environment})`} at ${i.at}`;
  const w = r.window;
  const lines = [
    head,
    `Window ${w.from} → ${w.to} (${formatSeconds(w.window_seconds)} before, ±${formatSeconds(w.skew_seconds)} skew); ${r.considered} change(s) scored.`,
  ];
  for (const n of r.notes) lines.push(`  note: ${n}`);
  lines.push('');
  if (r.candidates.length === 0) lines.push('No candidates.');
  for (const c of r.candidates) lines.push(...candidateLines(c), '');
  if (r.context.length > 0)
    lines.push('Automatic rollbacks in the window (responses, not causes):', ...r.context.map(contextLine));
  return lines.join('\n').trimEnd() + '\n';
}
