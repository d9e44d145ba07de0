/** Connection state for the top bar: the sync state machine, or control-plane reachability while sync is idle. */
import type { ControlPlaneStatus, SyncState } from '../../../../shared/ipc/contract.ts';
import { clock, seconds } from '../../lib/time-format.ts';
import { explainSyncError } from '../../lib/sync-error.ts';
import { useNow } from '../../ui/hooks.ts';
import { useApp } from '../../store-context.tsx';

/** Tone of the status dot. */
export type Tone = 'ok' | 'warn' | 'alert' | 'idle';

/** Label and tone of a control-plane probe result. */
export function describeConnection(c: ControlPlaneStatus): { label: string; tone: Tone } {
  switch (c.kind) {
    case 'unconfigured':
      return { label: 'No control plane configured', tone: 'idle' };
    case 'reachable':
      return { label: `Control plane reachable · ${c.roundTripMs} ms`, tone: 'ok' };
    case 'unreachable':
      return { label: `Control plane unreachable · checked ${clock(c.checkedAt)}`, tone: 'warn' };
  }
}

function host(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** "127.0.0.1:4002 (2 of 3)" for a profile listing several instances of its control plane, else null. */
export function instanceLabel(s: SyncState): string | null {
  if (s.kind === 'idle' || !('instance' in s) || s.instance === undefined || s.url === null) return null;
  return `${host(s.url)} (${s.instance.position} of ${s.instance.count})`;
}

/** The sentence saying the sync moved to another instance, and when; null when it never did. */
export function failoverSentence(s: SyncState): string | null {
  if ((s.kind !== 'live' && s.kind !== 'backfilling') || s.failover === undefined) return null;
  const f = s.failover;
  return `Failed over from ${host(f.from)} to ${host(f.to)} at ${clock(f.at)}: ${explainSyncError(f.reason)}.`;
}

/**
 * The live label: "Live · <round trip>", or with several instances "Live via <host:port> (i of n)" (the round trip
 * then goes to the tooltip: the bar has no room for both at 1280 px).
 */
export function liveLabel(s: SyncState, roundTripMs: number | null): string {
  const via = instanceLabel(s);
  if (via !== null) return `Live via ${via}`;
  return roundTripMs === null ? 'Live' : `Live · ${roundTripMs} ms`;
}

/** Label and tone of the sync state; null while idle (the probe result is shown instead). */
export function describeSync(s: SyncState, nowMs: number): { label: string; tone: Tone } | null {
  switch (s.kind) {
    case 'idle':
      return null;
    case 'connecting': {
      const via = instanceLabel(s);
      return { label: `Connecting to ${via ?? s.url}…`, tone: 'warn' };
    }
    case 'backfilling':
      return { label: `Syncing ${s.done.toLocaleString('en-US')} / ${s.total.toLocaleString('en-US')}`, tone: 'warn' };
    case 'live':
      return { label: liveLabel(s, s.roundTripMs), tone: 'ok' };
    case 'reconnecting': {
      const wait = Math.max(0, Math.ceil((Date.parse(s.nextRetryAt) - nowMs) / 1000));
      const via = instanceLabel(s);
      return {
        label:
          via === null
            ? `Reconnecting · retry in ${wait} s (attempt ${s.attempt})`
            : `Reconnecting to ${via} · retry in ${wait} s (attempt ${s.attempt})`,
        tone: 'warn',
      };
    }
    case 'offline':
      return {
        label:
          s.instance === undefined
            ? `Offline · replica as of ${s.replicaAsOf ? clock(s.replicaAsOf) : 'unknown'}`
            : `Offline · all ${s.instance.count} instances unreachable · replica as of ${s.replicaAsOf ? clock(s.replicaAsOf) : 'unknown'}`,
        tone: 'alert',
      };
    case 'key-confirmation':
      return { label: 'Signing key needs confirmation', tone: 'warn' };
    case 'halted':
      return { label: `Sync halted · ${s.code}`, tone: 'alert' };
  }
}

/**
 * The status text with a coloured dot, and the backfill rate beside it (it gives way first when the bar is narrow).
 * The tooltip repeats the status, which may end in an ellipsis, with its details (last error, reason).
 */
export function ConnectionState() {
  const sync = useApp((s) => s.sync);
  const connection = useApp((s) => s.connection);
  const now = useNow(1000);
  const progress = useApp((s) => s.syncProgress);
  const described = describeSync(sync, now) ?? describeConnection(connection);
  // While live, the latency is the latest probe's (every few seconds), not the one measured when sync connected.
  const { label, tone } =
    sync.kind === 'live' && connection.kind === 'reachable'
      ? { label: liveLabel(sync, connection.roundTripMs), tone: described.tone }
      : described;
  const failover = failoverSentence(sync);
  const roundTrip =
    instanceLabel(sync) !== null && sync.kind === 'live'
      ? connection.kind === 'reachable'
        ? `round trip ${connection.roundTripMs} ms`
        : sync.roundTripMs === null
          ? null
          : `round trip ${sync.roundTripMs} ms`
      : null;
  const rate =
    sync.kind === 'backfilling' && progress
      ? `${Math.round(progress.ratePerSecond).toLocaleString('en-US')}/s${progress.etaSeconds === null ? '' : ` · ${seconds(progress.etaSeconds)} left`}`
      : null;
  const detail =
    sync.kind === 'reconnecting'
      ? explainSyncError(sync.lastError)
      : sync.kind === 'offline'
        ? explainSyncError(sync.reason)
        : sync.kind === 'halted'
          ? sync.message
          : undefined;
  return (
    <>
      <span
        className={`status status-${tone}`}
        role="status"
        aria-live="polite"
        data-testid="connection-state"
        title={[rate ? `${label} · ${rate}` : label, roundTrip, detail, failover].filter(Boolean).join('\n')}
      >
        {label}
      </span>
      {failover !== null && (sync.kind === 'live' || sync.kind === 'backfilling') && sync.failover && (
        <span className="failover" data-testid="failover" title={failover}>
          {`Failed over at ${clock(sync.failover.at)}`}
        </span>
      )}
      {rate && (
        <span className="rate" data-testid="sync-rate" title={`Backfill ${rate}`}>
          {rate}
        </span>
      )}
    </>
  );
}
