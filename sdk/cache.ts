/**
 * The SDK's in-process cache: the config it has applied and the compiled evaluator for it. Frames from the stream are
 * checked before anything changes — a malformed, oversized, out-of-order or uncompilable frame is refused with a
 * code and the cache keeps serving what it had.
 */
import type { SdkConfig, SdkDelta, SdkFlag } from '../shared/protocol/sdk.ts';
import { ConfigError, Evaluator } from '../shared/eval/index.ts';

/** Why a frame was refused. */
export type FrameErrorCode =
  | 'E_SDK_FRAME_MALFORMED'
  | 'E_SDK_FRAME_TOO_LARGE'
  | 'E_SDK_FRAME_OUT_OF_ORDER'
  | 'E_SDK_CONFIG_INVALID'
  | 'E_SDK_WRONG_ENVIRONMENT';

/** A refused frame: the cache did not change. */
export class FrameError extends Error {
  readonly code: FrameErrorCode;
  constructor(code: FrameErrorCode, message: string) {
    super(message);
    this.name = 'FrameError';
    this.code = code;
  }
}

/** What applying a frame did. */
export interface Applied {
  version: number;
  /** Keys whose definition changed (or appeared / were archived). */
  changed: string[];
  /** A delta older than the cache: ignored. */
  duplicate: boolean;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkFlag(f: unknown): SdkFlag {
  if (
    !isRecord(f) ||
    typeof f['key'] !== 'string' ||
    typeof f['enabled'] !== 'boolean' ||
    typeof f['rollout_pct'] !== 'number' ||
    typeof f['variation'] !== 'string' ||
    !Array.isArray(f['rules']) ||
    !Array.isArray(f['prerequisites']) ||
    !isRecord(f['variants']) ||
    !isRecord(f['safe_default']) ||
    (f['breaker'] !== 'open' && f['breaker'] !== 'closed')
  ) {
    throw new FrameError(
      'E_SDK_FRAME_MALFORMED',
      `a flag in the frame is not a flag: ${JSON.stringify(f).slice(0, 120)}`,
    );
  }
  return f as unknown as SdkFlag;
}

function parse(text: string, maxBytes: number): unknown {
  if (text.length > maxBytes) {
    throw new FrameError('E_SDK_FRAME_TOO_LARGE', `a frame of ${text.length} characters exceeds the ${maxBytes} limit`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FrameError('E_SDK_FRAME_MALFORMED', 'a frame is not JSON');
  }
}

/** The applied config and its evaluator. */
export class ConfigCache {
  private environmentName: string | null;
  private flags = new Map<string, SdkFlag>();
  private tombstoned = new Set<string>();
  private evaluator: Evaluator | null = null;
  private readonly maxFrameBytes: number;

  constructor(opts: { maxFrameBytes: number; environment?: string | null }) {
    this.maxFrameBytes = opts.maxFrameBytes;
    this.environmentName = opts.environment ?? null;
  }

  /** The evaluator of the applied config, null before the first one. */
  get current(): Evaluator | null {
    return this.evaluator;
  }

  /** The applied config (built on demand, e.g. for the last-known-good file), null before the first one. */
  get snapshot(): SdkConfig | null {
    if (this.evaluator === null || this.environmentName === null) return null;
    return {
      environment: this.environmentName,
      version: this.evaluator.version,
      flags: [...this.flags.values()],
      tombstoned: [...this.tombstoned],
    };
  }

  /** The environment served, null before the first config. */
  get environment(): string | null {
    return this.evaluator === null ? null : this.environmentName;
  }

  /** The applied version, null before the first config. */
  get version(): number | null {
    return this.evaluator?.version ?? null;
  }

  /** Replaces the cache with a whole config (a `snapshot` event, GET /config or a last-known-good file). */
  applySnapshot(input: string | SdkConfig): Applied {
    const raw = typeof input === 'string' ? parse(input, this.maxFrameBytes) : input;
    if (!isRecord(raw) || typeof raw['environment'] !== 'string' || !Array.isArray(raw['flags'])) {
      throw new FrameError('E_SDK_FRAME_MALFORMED', 'a snapshot must be {environment, version, flags, tombstoned}');
    }
    if (!Number.isInteger(raw['version'])) throw new FrameError('E_SDK_FRAME_MALFORMED', 'a snapshot has no version');
    // A snapshot is the whole truth, even for another environment (a last-known-good file of a previous SDK key).
    const config: SdkConfig = {
      environment: raw['environment'],
      version: raw['version'] as number,
      flags: raw['flags'].map(checkFlag),
      tombstoned: Array.isArray(raw['tombstoned']) ? raw['tombstoned'].map(String) : [],
    };
    const evaluator = this.compile(() => new Evaluator(config));
    const changed = config.flags
      .filter((f) => JSON.stringify(this.flags.get(f.key)) !== JSON.stringify(f))
      .map((f) => f.key);
    const next = new Map(config.flags.map((f) => [f.key, f]));
    for (const k of this.flags.keys()) if (!next.has(k)) changed.push(k);
    this.environmentName = config.environment;
    this.flags = next;
    this.tombstoned = new Set(config.tombstoned);
    this.evaluator = evaluator;
    return { version: config.version, changed, duplicate: false };
  }

  /** Applies a `delta` event; refuses it when it does not follow the applied version. */
  applyDelta(input: string | SdkDelta): Applied {
    const raw = typeof input === 'string' ? parse(input, this.maxFrameBytes) : input;
    if (
      !isRecord(raw) ||
      typeof raw['environment'] !== 'string' ||
      !Number.isInteger(raw['version']) ||
      !Number.isInteger(raw['from_version']) ||
      !Array.isArray(raw['upserts']) ||
      !Array.isArray(raw['tombstoned'])
    ) {
      throw new FrameError(
        'E_SDK_FRAME_MALFORMED',
        'a delta must be {environment, from_version, version, upserts, tombstoned}',
      );
    }
    this.checkEnvironment(raw['environment']);
    const ev = this.evaluator;
    const version = raw['version'] as number;
    const from = raw['from_version'] as number;
    if (ev === null) {
      throw new FrameError('E_SDK_FRAME_OUT_OF_ORDER', `a delta to version ${version} arrived before any snapshot`);
    }
    if (version <= ev.version) return { version: ev.version, changed: [], duplicate: true };
    if (from > ev.version) {
      throw new FrameError(
        'E_SDK_FRAME_OUT_OF_ORDER',
        `a delta from version ${from} cannot follow version ${ev.version}: changes in between were missed`,
      );
    }
    const upserts = raw['upserts'].map(checkFlag);
    const gone = raw['tombstoned'].map(String);
    // Checked and compiled before anything changes; then applied in place (only the changed flags cost anything).
    this.compile(() => ev.apply(version, upserts, gone));
    for (const f of upserts) this.flags.set(f.key, f);
    for (const k of gone) {
      this.flags.delete(k);
      this.tombstoned.add(k);
    }
    return { version, changed: [...upserts.map((f) => f.key), ...gone], duplicate: false };
  }

  private checkEnvironment(env: string): void {
    const expected = this.environmentName;
    if (expected !== null && env !== expected) {
      throw new FrameError('E_SDK_WRONG_ENVIRONMENT', `a frame for ${env} arrived at an SDK serving ${expected}`);
    }
  }

  private compile<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ConfigError)
        throw new FrameError('E_SDK_CONFIG_INVALID', `${err.message}; kept version ${this.version ?? 'none'}`);
      throw new FrameError('E_SDK_CONFIG_INVALID', `the config does not compile: ${String(err)}`);
    }
  }
}
