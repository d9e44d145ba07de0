/**
 * Catching upstream rewrites. Unleash gives no proofs, so the mirror re-reads events it already mirrored and compares
 * their content digest with the one it sealed (refs.unleash_sha256): an event whose content changed, or that vanished,
 * raises E_UPSTREAM_REWRITE with both versions as evidence. The tail raises it too when none of the last mirrored
 * events exists upstream any more, because it then cannot tell where the mirror stands in Unleash's history.
 */
import { AppError } from '../../ipc/app-error.ts';
import type { UnleashClient } from './client.ts';
import { eventDigest, type UnleashEvent } from './events.ts';

/** What the mirror holds about one event: its id, the digest it sealed, and the event itself when it kept it. */
export interface MirroredRecord {
  id: number;
  digest: string;
  event: UnleashEvent | null;
}

/** The alert: what changed upstream, with what the mirror saw and what Unleash says now. */
export interface UpstreamRewriteAlert {
  code: 'E_UPSTREAM_REWRITE';
  kind: 'changed' | 'vanished' | 'anchor_lost';
  /** The event concerned (null for anchor_lost, which concerns the last mirrored events together). */
  eventId: number | null;
  message: string;
  mirrored: { digest: string; event: UnleashEvent | null } | null;
  upstream: { digest: string; event: UnleashEvent } | null;
  /** For anchor_lost: the last mirrored ids none of which Unleash still has. */
  missingIds?: number[];
  detectedAt: string;
}

/** Thrown by the tail when it cannot find where the mirror stands in Unleash's history. */
export class UpstreamRewriteError extends AppError {
  readonly alert: UpstreamRewriteAlert;

  constructor(missingIds: number[]) {
    const alert: UpstreamRewriteAlert = {
      code: 'E_UPSTREAM_REWRITE',
      kind: 'anchor_lost',
      eventId: null,
      message:
        `None of the last mirrored Unleash events (${missingIds.join(', ')}) exists in Unleash any more: its history ` +
        'was rewritten or its database restored from an older backup. The mirror stops here and keeps what it has; ' +
        'export the evidence, then set the mirror aside and resync to follow the new history.',
      mirrored: null,
      upstream: null,
      missingIds,
      detectedAt: new Date().toISOString(),
    };
    super('E_UPSTREAM_REWRITE', alert.message, { alert });
    this.name = 'UpstreamRewriteError';
    this.alert = alert;
  }
}

function changed(record: MirroredRecord, now: UnleashEvent, digest: string): UpstreamRewriteAlert {
  return {
    code: 'E_UPSTREAM_REWRITE',
    kind: 'changed',
    eventId: record.id,
    message:
      `Unleash event ${record.id} (${now.type}) now differs from the copy the mirror sealed: its history was edited ` +
      'after the fact. Both versions are kept as evidence; the mirror keeps the version it sealed.',
    mirrored: { digest: record.digest, event: record.event },
    upstream: { digest, event: now },
    detectedAt: new Date().toISOString(),
  };
}

function vanished(record: MirroredRecord): UpstreamRewriteAlert {
  return {
    code: 'E_UPSTREAM_REWRITE',
    kind: 'vanished',
    eventId: record.id,
    message:
      `Unleash event ${record.id}${record.event ? ` (${record.event.type})` : ''} is gone from Unleash although the ` +
      'mirror sealed it: its history was cut after the fact. The sealed copy is kept as evidence.',
    mirrored: { digest: record.digest, event: record.event },
    upstream: null,
    detectedAt: new Date().toISOString(),
  };
}

/** Re-reads the mirrored events from Unleash and returns one alert per event that changed or vanished (id order). */
export async function rereadMirrored(
  client: UnleashClient,
  records: readonly MirroredRecord[],
): Promise<UpstreamRewriteAlert[]> {
  const upstream = new Map((await client.eventsById(records.map((r) => r.id))).map((e) => [e.id, e]));
  const alerts: UpstreamRewriteAlert[] = [];
  for (const record of [...records].sort((a, b) => a.id - b.id)) {
    const now = upstream.get(record.id);
    if (now === undefined) {
      alerts.push(vanished(record));
      continue;
    }
    const digest = eventDigest(now);
    if (digest !== record.digest) alerts.push(changed(record, now, digest));
  }
  return alerts;
}
