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

/** An incident fold that can be continued with later entries (the console keeps one per replica). */
export class IncidentFold {
  private readonly byId = new Map<string, Incident>();

  /** Applies incident entries in idx order, after every entry applied before. */
  apply(leaves: Iterable<IncidentLeaf>): this {
    for (const leaf of leaves) {
      const status = statusOf[leaf.action];
      if (!status || typeof leaf.after !== 'object' || leaf.after === null || Array.isArray(leaf.after)) continue;
      const after = leaf.after as Record<string, unknown>;
      if (status === 'triggered') {
        const inc = fromTriggered(leaf, after);
        if (inc && !this.byId.has(inc.id)) this.byId.set(inc.id, inc);
        continue;
      }
      const id = field(after, 'id') ?? leaf.refs['incident'];
      const known = id === undefined || id === null ? undefined : this.byId.get(id);
      if (known && known.status !== 'resolved') known.status = status;
    }
    return this;
  }

  /** Copies of the incidents so far: active first, then newest first. */
  list(): Incident[] {
    const rank = (i: Incident) => (i.status === 'resolved' ? 1 : 0);
    return [...this.byId.values()]
      .map((i) => ({ ...i }))
      .sort((a, b) => rank(a) - rank(b) || b.triggeredAt.localeCompare(a.triggeredAt) || b.idx - a.idx);
  }
}

/** Folds incident entries (in idx order) into incidents: active first, then newest first. */
export function foldIncidents(leaves: Iterable<IncidentLeaf>): Incident[] {
  return new IncidentFold().apply(leaves).list();
}
