import { describe, expect, it } from 'vitest';
import type { SdkConfig, SdkDelta, SdkFlag } from '../shared/protocol/sdk.ts';
import { ConfigCache, FrameError } from './cache.ts';

const flag = (key: string, over: Partial<SdkFlag> = {}): SdkFlag => ({
  key,
  enabled: true,
  rollout_pct: 100,
  variation: 'on',
  rules: [],
  prerequisites: [],
  variants: { on: true, off: false },
  safe_default: { enabled: false, rollout_pct: 0 },
  breaker: 'closed',
  ...over,
});
const snapshot: SdkConfig = { environment: 'production', version: 10, flags: [flag('a.b.c')], tombstoned: [] };
const delta = (over: Partial<SdkDelta>): string =>
  JSON.stringify({ environment: 'production', from_version: 10, version: 12, upserts: [], tombstoned: [], ...over });

function loaded(): ConfigCache {
  const c = new ConfigCache({ maxFrameBytes: 10_000 });
  c.applySnapshot(JSON.stringify(snapshot));
  return c;
}

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof FrameError) return err.code;
    throw err;
  }
  throw new Error('frame was accepted');
}

describe('ConfigCache: bad input keeps the last good config', () => {
  it.each([
    ['malformed JSON', 'E_SDK_FRAME_MALFORMED', (c: ConfigCache) => c.applyDelta('{"environment": "production", ')],
    ['a delta without fields', 'E_SDK_FRAME_MALFORMED', (c: ConfigCache) => c.applyDelta('{"version": 12}')],
    [
      'a flag that is not a flag',
      'E_SDK_FRAME_MALFORMED',
      (c: ConfigCache) => c.applyDelta(delta({ upserts: [{ key: 'a.b.c' } as SdkFlag] })),
    ],
    ['an oversized frame', 'E_SDK_FRAME_TOO_LARGE', (c: ConfigCache) => c.applyDelta(' '.repeat(10_001))],
    [
      'an out-of-order delta',
      'E_SDK_FRAME_OUT_OF_ORDER',
      (c: ConfigCache) => c.applyDelta(delta({ from_version: 11 })),
    ],
    [
      'an unknown operator',
      'E_SDK_CONFIG_INVALID',
      (c: ConfigCache) =>
        c.applyDelta(
          delta({
            upserts: [
              flag('a.b.c', {
                enabled: false,
                rules: [{ attribute: 'x', op: 'matches' as 'in', values: ['.*'], variation: 'on' }],
              }),
            ],
          }),
        ),
    ],
    [
      'another environment',
      'E_SDK_WRONG_ENVIRONMENT',
      (c: ConfigCache) => c.applyDelta(delta({ environment: 'staging' })),
    ],
  ])('%s → %s', (_what, code, fn) => {
    const c = loaded();
    expect(refused(() => fn(c))).toBe(code);
    expect(c.version).toBe(10);
    expect(c.current?.evaluate('a.b.c', {}, false).value).toBe(true);
  });

  it('applies a delta that follows, and ignores one it already has', () => {
    const c = loaded();
    const applied = c.applyDelta(delta({ upserts: [flag('a.b.c', { enabled: false })], tombstoned: [] }));
    expect(applied).toEqual({ version: 12, changed: ['a.b.c'], duplicate: false });
    expect(c.current?.evaluate('a.b.c', {}, true)).toEqual({
      value: false,
      variant: 'off',
      reason: 'DISABLED',
      version: 12,
    });
    expect(c.applyDelta(delta({ from_version: 8, version: 11 }))).toEqual({
      version: 12,
      changed: [],
      duplicate: true,
    });
    const gone = c.applyDelta(delta({ from_version: 12, version: 15, tombstoned: ['a.b.c'] }));
    expect(gone.changed).toEqual(['a.b.c']);
    expect(c.current?.evaluate('a.b.c', {}, 'd')).toMatchObject({ value: 'd', errorCode: 'FLAG_NOT_FOUND' });
  });

  it('a snapshot replaces everything, even for another environment (the cache came from an old key)', () => {
    const c = loaded();
    c.applySnapshot({ environment: 'staging', version: 3, flags: [flag('x.y.z')], tombstoned: [] });
    expect([c.environment, c.version, c.current?.has('a.b.c'), c.current?.has('x.y.z')]).toEqual([
      'staging',
      3,
      false,
      true,
    ]);
  });

  it('refuses a delta before any snapshot', () => {
    const c = new ConfigCache({ maxFrameBytes: 10_000 });
    expect(refused(() => c.applyDelta(delta({})))).toBe('E_SDK_FRAME_OUT_OF_ORDER');
    expect(c.current).toBeNull();
  });
});
