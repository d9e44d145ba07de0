/**
 * Incidents as the console shows them, folded from the ledger's `incident.*` entries (the control
 * plane records manual incidents and PagerDuty webhooks there, so the list works offline).
 */
import type { Incident } from '../ipc/types/domain.ts';

/** The fields of a leaf the fold reads. */
export interface IncidentLeaf {
  idx: number;
  ts: string;
  action: string;
  after: unknown;
  refs: Record<string, string>;
}

const statusOf: Readonly<Record<string, Incident['status']>> = {
  'incident.triggered': 'triggered',
  'incident.acknowledged': 'acknowledged',
  'incident.resolved': 'resolved',
};

function field(obj: Record<string, unknown>, key: string): string | null {
  const v = obj[key];
  return typeof v === 'string' ? v : null;
}

function fromTriggered(leaf: IncidentLeaf, after: Record<string, unknown>): Incident | null {
  const id = field(after, 'id') ?? leaf.refs['incident'] ?? null;
  const service = field(after, 'service');
  if (id === null || service === null) return null;
  return {
    id,
    service,
    title: field(after, 'title') ?? `Incident on ${service}`,
    severity: field(after, 'severity') ?? 'unknown',
    source: field(after, 'source') === 'pagerduty' ? 'pagerduty' : 'manual',
    status: 'triggered',
    triggeredAt: field(after, 'triggered_at') ?? leaf.ts,
    idx: leaf.idx,
  };
}

/** What one incident entry does: opens an incident, or moves a known one to a status (a resolved one stays so). */
export type IncidentStep =
  { kind: 'triggered'; incident: Incident } | { kind: 'status'; id: string; status: 'acknowledged' | 'resolved' };

/**
 * The step of one `incident.*` entry, or null when it does nothing (another action, an unreadable `after`, a trigger
 * without id or service). A trigger of an id already known is ignored; a status step of a resolved incident too.
 */
export function incidentStep(leaf: IncidentLeaf): IncidentStep | null {
  const status = statusOf[leaf.action];
  if (!status || typeof leaf.after !== 'object' || leaf.after === null || Array.isArray(leaf.after)) return null;
  const after = leaf.after as Record<string, unknown>;
  if (status === 'triggered') {
    const incident = fromTriggered(leaf, after);
    return incident === null ? null : { kind: 'triggered', incident };
  }
  const id = field(after, 'id') ?? leaf.refs['incident'];
  return id === undefined || id === null ? null : { kind: 'status', id, status };
}

/** Active first, then newest first (by trigger time, then idx). Sorts `list` in place and returns it. */
export function sortIncidents(list: Incident[]): Incident[] {
  const rank = (i: Incident) => (i.status === 'resolved' ? 1 : 0);
  return list.sort((a, b) => rank(a) - rank(b) || b.triggeredAt.localeCompare(a.triggeredAt) || b.idx - a.idx);
}

/** An incident fold that can be continued with later entries. */
export class IncidentFold {
  private readonly byId = new Map<string, Incident>();

  /** Applies incident entries in idx order, after every entry applied before. */
  apply(leaves: Iterable<IncidentLeaf>): this {
    for (const leaf of leaves) {
      const step = incidentStep(leaf);
      if (step === null) continue;
      if (step.kind === 'triggered') {
        if (!this.byId.has(step.incident.id)) this.byId.set(step.incident.id, step.incident);
        continue;
      }
      const known = this.byId.get(step.id);
      if (known && known.status !== 'resolved') known.status = step.status;
    }
    return this;
  }

  /** Copies of the incidents so far: active first, then newest first. */
  list(): Incident[] {
    return sortIncidents([...this.byId.values()].map((i) => ({ ...i })));
  }
}

/** Folds incident entries (in idx order) into incidents: active first, then newest first. */
export function foldIncidents(leaves: Iterable<IncidentLeaf>): Incident[] {
  return new IncidentFold().apply(leaves).list();
}
