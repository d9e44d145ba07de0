/**
 * Wire types of the SDK delivery endpoints (`/api/v1/sdk/*`, docs/protocol.md "SDK delivery"): the snapshot of one
 * environment an SDK evaluates against, the deltas streamed after it, and the SDK's telemetry report.
 */
import type { JsonValue } from '../ledger/index.ts';

/** Targeting rule operators an SDK understands (a config naming another one is refused whole). */
export const SDK_RULE_OPS = ['in', 'not_in', 'starts_with', 'ends_with', 'contains'] as const;

/** A targeting rule operator. */
export type SdkRuleOp = (typeof SDK_RULE_OPS)[number];

/** One targeting rule: when the context attribute matches, serve `variation` (first match wins). */
export interface SdkRule {
  attribute: string;
  op: SdkRuleOp;
  values: string[];
  variation: string;
}

/** Everything an SDK needs to evaluate one flag in one environment. */
export interface SdkFlag {
  key: string;
  enabled: boolean;
  rollout_pct: number;
  /** Variant served to the rollout (and, unless a rule says otherwise, to everyone when at 100 %). */
  variation: string;
  rules: SdkRule[];
  /** Flags that must be on for this context before this one serves anything but `off`. */
  prerequisites: string[];
  /** Variant name → value. Always holds `off` (what a disabled, out-of-rollout or gated context gets). */
  variants: Record<string, JsonValue>;
  /** What the circuit breaker restores. */
  safe_default: { enabled: boolean; rollout_pct: number };
  /** `open` after the breaker rolled this flag back, until a person changes it again: SDKs serve the safe default. */
  breaker: 'open' | 'closed';
}

/** A snapshot of one environment (`GET /api/v1/sdk/config`, the stream's `snapshot` event). */
export interface SdkConfig {
  environment: string;
  /** The ledger size this snapshot reflects. */
  version: number;
  flags: SdkFlag[];
  /** Archived keys: evaluating one gives the caller's default with FLAG_NOT_FOUND (and says so). */
  tombstoned: string[];
}

/** One change (the stream's `delta` event, `id:` = `version`). */
export interface SdkDelta {
  environment: string;
  /** The version before this delta; an SDK at another version must not apply it (it resumes instead). */
  from_version: number;
  version: number;
  upserts: SdkFlag[];
  /** Keys archived by this change. */
  tombstoned: string[];
}

/** Who is reporting (`sdk` in `POST /api/v1/telemetry` sent with an SDK key). */
export interface SdkInstanceInfo {
  instance_id: string;
  service: string;
  host: string;
  sdk_version: string;
  /** The config version this instance has applied to its cache, null before the first one. */
  applied_version: number | null;
  /** True while it serves a last-known-good file instead of a live config. */
  stale: boolean;
}

/** Evaluations since the last report, per flag and variant. */
export interface SdkEvaluationCount {
  flag_key: string;
  variant: string;
  count: number;
}

/** One request outcome (what the circuit breaker windows count). */
export interface SdkOutcomeSample {
  service: string;
  environment: string;
  flag_key: string;
  error: boolean;
  latency_ms: number;
  ts?: string;
}

/**
 * One request of a service (`recordRequest`): its outcome, the flag whose breaker window it counts for (`flag_key`,
 * optional), and every flag the request evaluated (`flags`, ≤ 200) — the per-flag error rates the correlation ranking
 * reads, without feeding those flags' breakers.
 */
export interface SdkRequestSample {
  service: string;
  environment: string;
  flag_key?: string;
  flags?: string[];
  error: boolean;
  latency_ms: number;
  ts?: string;
}

/** The body an SDK posts to `POST /api/v1/telemetry`. */
export interface SdkTelemetryBody {
  samples: (SdkOutcomeSample | SdkRequestSample)[];
  sdk: SdkInstanceInfo;
  evaluations: SdkEvaluationCount[];
}
