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
  private config: SdkConfig | null = null;
  private evaluator: Evaluator | null = null;
  private readonly maxFrameBytes: number;
  private readonly environment: string | null;

  constructor(opts: { maxFrameBytes: number; environment?: string | null }) {
    this.maxFrameBytes = opts.maxFrameBytes;
    this.environment = opts.environment ?? null;
  }

  /** The evaluator of the applied config, null before the first one. */
  get current(): Evaluator | null {
    return this.evaluator;
  }

  /** The applied config, null before the first one. */
  get snapshot(): SdkConfig | null {
    return this.config;
  }

  /** The applied version, null before the first config. */
  get version(): number | null {
    return this.config?.version ?? null;
  }

  /** Replaces the cache with a whole config (a `snapshot` event, GET /config or a last-known-good file). */
  applySnapshot(input: string | SdkConfig): Applied {
    const raw = typeof input === 'string' ? parse(input, this.maxFrameBytes) : input;
    if (!isRecord(raw) || typeof raw['environment'] !== 'string' || !Array.isArray(raw['flags'])) {
      throw new FrameError('E_SDK_FRAME_MALFORMED', 'a snapshot must be {environment, version, flags, tombstoned}');
    }
    if (!Number.isInteger(raw['version'])) throw new FrameError('E_SDK_FRAME_MALFORMED', 'a snapshot has no version');
    this.checkEnvironment(raw['environment']);
    const config: SdkConfig = {
      environment: raw['environment'],
      version: raw['version'] as number,
      flags: raw['flags'].map(checkFlag),
      tombstoned: Array.isArray(raw['tombstoned']) ? raw['tombstoned'].map(String) : [],
    };
    const evaluator = this.compile(config);
    const before = new Map((this.config?.flags ?? []).map((f) => [f.key, JSON.stringify(f)]));
    const changed = config.flags.filter((f) => before.get(f.key) !== JSON.stringify(f)).map((f) => f.key);
    for (const k of before.keys()) if (!config.flags.some((f) => f.key === k)) changed.push(k);
    this.config = config;
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
    const cur = this.config;
    const version = raw['version'] as number;
    const from = raw['from_version'] as number;
    if (cur === null) {
      throw new FrameError('E_SDK_FRAME_OUT_OF_ORDER', `a delta to version ${version} arrived before any snapshot`);
    }
    if (version <= cur.version) return { version: cur.version, changed: [], duplicate: true };
    if (from > cur.version) {
      throw new FrameError(
        'E_SDK_FRAME_OUT_OF_ORDER',
        `a delta from version ${from} cannot follow version ${cur.version}: changes in between were missed`,
      );
    }
    const upserts = raw['upserts'].map(checkFlag);
    const gone = new Set(raw['tombstoned'].map(String));
    const flags = new Map(cur.flags.map((f) => [f.key, f]));
    for (const f of upserts) flags.set(f.key, f);
    for (const k of gone) flags.delete(k);
    const config: SdkConfig = {
      environment: cur.environment,
      version,
      flags: [...flags.values()],
      tombstoned: [...new Set([...cur.tombstoned, ...gone])],
    };
    const evaluator = this.compile(config);
    this.config = config;
    this.evaluator = evaluator;
    return { version, changed: [...upserts.map((f) => f.key), ...gone], duplicate: false };
  }

  private checkEnvironment(env: string): void {
    const expected = this.environment ?? this.config?.environment ?? null;
    if (expected !== null && env !== expected) {
      throw new FrameError('E_SDK_WRONG_ENVIRONMENT', `a frame for ${env} arrived at an SDK serving ${expected}`);
    }
  }

  private compile(config: SdkConfig): Evaluator {
    try {
      return new Evaluator(config);
    } catch (err) {
      if (err instanceof ConfigError)
        throw new FrameError('E_SDK_CONFIG_INVALID', `${err.message}; kept version ${this.version ?? 'none'}`);
      throw new FrameError('E_SDK_CONFIG_INVALID', `the config does not compile: ${String(err)}`);
    }
  }
}
