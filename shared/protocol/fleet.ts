/**
 * Wire types of the SDK fleet (docs/protocol.md "SDK fleet"): what the control plane knows about every SDK instance
 * of an environment, how an SDK says it applied a config version, and how the console learns which instances applied
 * a ledger entry and how long after its commit.
 *
 * Versions: an SDK config version is the ledger size it reflects, so the entry at index `idx` is applied by an
 * instance once its `applied_version` is at least `idx + 1`.
 */

/** Where an instance stands against the environment's latest config version. */
export const FLEET_STATES = ['current', 'behind', 'last_known_good', 'disconnected'] as const;

/**
 * `current`: streaming and on the latest version. `behind`: streaming (or reporting) but on an older version.
 * `last_known_good`: serving its last-known-good file instead of a live config. `disconnected`: no stream and no
 * report within the disconnect window (it may still be serving whatever it last applied).
 */
export type FleetState = (typeof FLEET_STATES)[number];

/** One SDK instance as the control plane last saw it. */
export interface FleetInstance {
  instance_id: string;
  environment: string;
  service: string;
  host: string;
  sdk_version: string;
  /** The SDK key's name it authenticated with. */
  key_name: string;
  /** When its current stream opened; null while it has no stream. */
  connected_since: string | null;
  /** Its last report, ack or stream activity. */
  last_seen: string;
  /** The config version it last said it applied; null before its first. */
  applied_version: number | null;
  /** When the control plane received the report of `applied_version`. */
  applied_at: string | null;
  /** True while it serves from its last-known-good file. */
  stale: boolean;
  /** Since when it has been stale (null when live). */
  stale_since: string | null;
  state: FleetState;
  /** Since when it has been in `state`. */
  state_since: string;
}

/** `GET /api/v1/sdk/fleet?environment=` and the first `fleet` event of a metrics stream. */
export interface FleetSnapshot {
  environment: string;
  /** The environment's latest config version (the ledger size the newest snapshot reflects). */
  latest_version: number;
  generated_at: string;
  /** An instance with no stream and no report for this long is `disconnected`. */
  disconnect_after_ms: number;
  /** A disconnected instance is dropped from the registry after this long. */
  age_out_ms: number;
  instances: FleetInstance[];
}

/** A `fleet` event of `GET /api/v1/metrics/stream`: a full snapshot (`full: true`) or the instances that changed. */
export interface FleetEventData extends FleetSnapshot {
  full: boolean;
  /** Ids that aged out since the last event. */
  removed: string[];
}

/** `POST /api/v1/sdk/ack` (SDK key): sent by an SDK as soon as it applied a snapshot or delta, or went stale. */
export interface SdkAckBody {
  instance_id: string;
  service: string;
  host: string;
  sdk_version: string;
  applied_version: number | null;
  stale: boolean;
}

/** One instance in an applied report. */
export interface FleetAppliedInstance {
  instance_id: string;
  service: string;
  host: string;
  state: FleetState;
  applied_version: number | null;
  stale: boolean;
  stale_since: string | null;
  /** When the control plane received its ack of a version ≥ the target; null if it has not applied it. */
  applied_at: string | null;
  /** `applied_at` minus the entry's commit time, in milliseconds; null if not applied. */
  ms: number | null;
}

/**
 * `GET /api/v1/sdk/fleet/applied?environment=&idx=`: which instances of the environment applied the ledger entry
 * `idx` and how long after its commit. `n` counts the instances in the registry (disconnected ones included: they
 * are exactly the ones a responder must know about), `k` those whose applied version reached `idx + 1`.
 */
export interface FleetAppliedReport {
  environment: string;
  idx: number;
  target_version: number;
  committed_at: string;
  generated_at: string;
  n: number;
  k: number;
  /** Over the applied instances' `ms`; null when k = 0. */
  p50_ms: number | null;
  max_ms: number | null;
  /** Not applied first, then by `ms`. */
  instances: FleetAppliedInstance[];
}
