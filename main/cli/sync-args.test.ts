import { describe, expect, it } from 'vitest';
import { UsageError } from './args.ts';
import { parseSyncArgs } from './sync-args.ts';
import { pinnedByReplica } from './sync-replica.ts';

describe('sync command arguments', () => {
  it('parses every option, takes the token from TOMBSTONE_TOKEN when absent', () => {
    expect(
      parseSyncArgs(
        [
          '--url',
          'http://h',
          '--db',
          'r.sqlite',
          '--once',
          '--json',
          '--trust',
          'a',
          '--trust',
          'b',
          '--heartbeat',
          '500',
          '--page-size',
          '300',
        ],
        { TOMBSTONE_TOKEN: 'tsk_env' },
      ),
    ).toEqual({
      source: 'control-plane',
      url: 'http://h',
      urls: ['http://h'],
      sealKey: null,
      environment: null,
      intervalMs: 5000,
      token: 'tsk_env',
      db: 'r.sqlite',
      once: true,
      json: true,
      trust: ['a', 'b'],
      acceptFirstKey: false,
      heartbeatMs: 500,
      pageSize: 300,
    });
    expect(parseSyncArgs(['--url', 'http://h', '--db', 'r', '--token', 't', '--accept-first-key'], {})).toMatchObject({
      token: 't',
      acceptFirstKey: true,
      once: false,
      heartbeatMs: 15_000,
      pageSize: undefined,
    });
  });

  it('takes several instances of one control plane as repeated --url or a comma list, first one first', () => {
    const argv = ['--url', 'http://a:1,http://b:2', '--url', 'http://c:3', '--db', 'r', '--token', 't'];
    expect(parseSyncArgs(argv, {})).toMatchObject({
      url: 'http://a:1',
      urls: ['http://a:1', 'http://b:2', 'http://c:3'],
    });
    expect(() => parseSyncArgs(['--url', 'http://a:1,http://a:1', '--db', 'r'], {})).toThrow(
      '--url http://a:1 is given twice',
    );
  });

  it('refuses missing or malformed options with a UsageError', () => {
    expect(() => parseSyncArgs(['--db', 'r'], {})).toThrow(UsageError);
    expect(() => parseSyncArgs(['--url', 'u', '--db', 'r', '--bogus'], {})).toThrow(UsageError);
    expect(() => parseSyncArgs(['--url', 'u', '--db', 'r', '--heartbeat', '0'], {})).toThrow(UsageError);
    expect(() => parseSyncArgs(['--url', 'u', '--db', 'r', '--page-size', 'x'], {})).toThrow(UsageError);
  });

  it('parses --unleash with its own options, and keeps control-plane options apart', () => {
    expect(
      parseSyncArgs(
        ['--unleash', 'http://u/x', '--db', 'r', '--seal-key', 'k', '--environment', 'dev', '--interval', '250'],
        { TOMBSTONE_TOKEN: 'adm' },
      ),
    ).toMatchObject({ source: 'unleash', url: 'http://u/x', sealKey: 'k', environment: 'dev', intervalMs: 250 });
    expect(() => parseSyncArgs(['--unleash', 'u', '--url', 'v', '--db', 'r'], {})).toThrow('not both');
    expect(() => parseSyncArgs(['--unleash', 'u', '--db', 'r', '--trust', 'k'], {})).toThrow('its own seal key');
    expect(() => parseSyncArgs(['--url', 'u', '--db', 'r', '--seal-key', 'k'], {})).toThrow('go with --unleash');
    expect(() => parseSyncArgs(['--unleash', 'u', '--db', 'r', '--interval', '5'], {})).toThrow(UsageError);
    expect(() => parseSyncArgs(['--unleash', 'u'], {})).toThrow('--unleash and --db are required');
  });

  it('a missing replica file pins nothing', () => {
    expect(pinnedByReplica('/nonexistent/replica.sqlite')).toEqual({ origin: null, keys: [] });
  });
});
