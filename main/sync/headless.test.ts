import { describe, expect, it } from 'vitest';
import { UsageError, parseSyncArgs, pinnedByReplica } from './headless.ts';

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
      url: 'http://h',
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

  it('refuses missing or malformed options with a UsageError', () => {
    expect(() => parseSyncArgs(['--db', 'r'], {})).toThrow(UsageError);
    expect(() => parseSyncArgs(['--url', 'u', '--db', 'r', '--bogus'], {})).toThrow(UsageError);
    expect(() => parseSyncArgs(['--url', 'u', '--db', 'r', '--heartbeat', '0'], {})).toThrow(UsageError);
    expect(() => parseSyncArgs(['--url', 'u', '--db', 'r', '--page-size', 'x'], {})).toThrow(UsageError);
  });

  it('a missing replica file pins nothing', () => {
    expect(pinnedByReplica('/nonexistent/replica.sqlite')).toEqual({ origin: null, keys: [] });
  });
});
