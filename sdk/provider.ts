/**
 * OpenFeature provider (`@openfeature/server-sdk`) on the Tombstone SDK: boolean, string, number and object
 * resolution from the local cache; events READY, CONFIGURATION_CHANGED (flagsChanged), STALE while serving the
 * last-known-good file, ERROR for refused frames and connection failures; request outcomes through OpenFeature's
 * tracking API: `client.track('request', ctx, { flag_key, error, value: latencyMs })`.
 */
import type {
  EvaluationContext,
  JsonValue,
  Logger,
  Provider,
  ResolutionDetails,
  TrackingEventDetails,
} from '@openfeature/server-sdk';
import { ErrorCode, OpenFeatureEventEmitter, ProviderEvents } from '@openfeature/server-sdk';
import type { ClientError, TombstoneClientOptions } from './client.ts';
import { TombstoneClient } from './client.ts';

/** The tracking event name whose details are request outcomes. */
export const OUTCOME_EVENT = 'request';

type Kind = 'boolean' | 'string' | 'number' | 'object';

/** An OpenFeature provider backed by one TombstoneClient. */
export class TombstoneProvider implements Provider {
  readonly metadata = { name: 'tombstone' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly client: TombstoneClient;
  private readonly readyTimeoutMs: number;
  private initialized = false;

  constructor(options: TombstoneClientOptions & { readyTimeoutMs?: number }) {
    this.client = new TombstoneClient(options);
    this.readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
    this.client.on('changed', (e: { keys: string[]; version: number }) =>
      this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: e.keys, metadata: { version: e.version } }),
    );
    this.client.on('stale', () => {
      if (this.initialized) this.emitStale();
    });
    this.client.on('ready', () => this.events.emit(ProviderEvents.Ready, {}));
    this.client.on('error', (e: ClientError) =>
      this.events.emit(ProviderEvents.Error, { message: `${e.code}: ${e.message}`, errorCode: ErrorCode.GENERAL }),
    );
  }

  /** Waits until the client serves a config (live or last-known-good). */
  async initialize(): Promise<void> {
    await this.client.ready(this.readyTimeoutMs);
    this.initialized = true;
    // OpenFeature marks the provider READY when initialize resolves; a client on last-known-good is STALE right after.
    if (this.client.status === 'STALE') setImmediate(() => this.emitStale());
  }

  private emitStale(): void {
    this.events.emit(ProviderEvents.Stale, {
      message: 'serving the last-known-good config; control plane unreachable',
    });
  }

  async onClose(): Promise<void> {
    await this.client.close();
  }

  resolveBooleanEvaluation(
    key: string,
    dflt: boolean,
    ctx: EvaluationContext,
    logger: Logger,
  ): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(this.resolve(key, dflt, ctx, 'boolean', logger));
  }

  resolveStringEvaluation(
    key: string,
    dflt: string,
    ctx: EvaluationContext,
    logger: Logger,
  ): Promise<ResolutionDetails<string>> {
    return Promise.resolve(this.resolve(key, dflt, ctx, 'string', logger));
  }

  resolveNumberEvaluation(
    key: string,
    dflt: number,
    ctx: EvaluationContext,
    logger: Logger,
  ): Promise<ResolutionDetails<number>> {
    return Promise.resolve(this.resolve(key, dflt, ctx, 'number', logger));
  }

  resolveObjectEvaluation<T extends JsonValue>(
    key: string,
    dflt: T,
    ctx: EvaluationContext,
    logger: Logger,
  ): Promise<ResolutionDetails<T>> {
    return Promise.resolve(this.resolve(key, dflt, ctx, 'object', logger));
  }

  /** Tracking: `request` events carry a flag's request outcome to the circuit breaker. */
  track(name: string, _ctx: EvaluationContext, details: TrackingEventDetails): void {
    if (name !== OUTCOME_EVENT) return;
    const flag = details['flag_key'];
    if (typeof flag !== 'string') return;
    this.client.recordOutcome(flag, {
      error: details['error'] === true,
      latencyMs: typeof details.value === 'number' ? details.value : 0,
    });
  }

  private resolve<T>(key: string, dflt: T, ctx: EvaluationContext, kind: Kind, logger: Logger): ResolutionDetails<T> {
    const r = this.client.evaluate(key, ctx, dflt as JsonValue);
    const meta = { version: r.version };
    if (r.errorCode !== undefined) {
      const errorCode =
        r.errorCode === 'FLAG_NOT_FOUND'
          ? ErrorCode.FLAG_NOT_FOUND
          : r.errorCode === 'PROVIDER_NOT_READY'
            ? ErrorCode.PROVIDER_NOT_READY
            : ErrorCode.GENERAL;
      return { value: dflt, reason: 'ERROR', errorCode, errorMessage: r.message ?? r.errorCode, flagMetadata: meta };
    }
    const v = r.value;
    const ok = kind === 'object' ? v !== null && typeof v === 'object' : typeof v === kind;
    if (!ok) {
      logger.debug(`tombstone: ${key} is ${JSON.stringify(v)}, not a ${kind}`);
      return {
        value: dflt,
        reason: 'ERROR',
        errorCode: ErrorCode.TYPE_MISMATCH,
        errorMessage: `${key} serves ${typeof v} values, not ${kind}`,
        flagMetadata: meta,
      };
    }
    const out: ResolutionDetails<T> = { value: v as T, reason: r.reason, flagMetadata: meta };
    if (r.variant !== undefined) out.variant = r.variant;
    return out;
  }
}
