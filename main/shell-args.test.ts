import { describe, expect, it } from 'vitest';
import { parseShellArgs, ShellArgsError } from './shell-args.ts';

describe('parseShellArgs', () => {
  it('reads a control plane with token, environment and trusted keys', () => {
    const a = parseShellArgs(
      [
        '--connect',
        'http://127.0.0.1:8080/x',
        '--environment',
        'staging',
        '--trust',
        'k1',
        '--trust',
        'k2',
        '--port',
        '0',
        '--open',
      ],
      { TOMBSTONE_TOKEN: 't0k' },
    );
    expect(a).toEqual({
      connect: { url: 'http://127.0.0.1:8080', token: 't0k', environment: 'staging', trust: ['k1', 'k2'] },
      dataDir: null,
      port: 0,
      open: true,
    });
  });

  it('defaults to no control plane', () => {
    expect(parseShellArgs([], {})).toEqual({ connect: null, dataDir: null, port: null, open: false });
  });

  it.each([
    [['--connect', 'ftp://x'], 'only http(s)'],
    [['--connect', 'nope'], 'expects a URL'],
    [['--port', '70000'], 'from 0 to 65535'],
    [['--token'], 'needs a value'],
    [['--bogus'], 'unknown option --bogus'],
    [['--trust', 'k'], 'goes with --connect'],
  ])('%j is refused: %s', (argv, words) => {
    expect(() => parseShellArgs(argv, {})).toThrow(ShellArgsError);
    expect(() => parseShellArgs(argv, {})).toThrow(words);
  });

  it('ignores unknown switches when not strict (Electron adds its own)', () => {
    expect(parseShellArgs(['--inspect=0', '--remote-debugging-port=0'], {}, false).connect).toBeNull();
  });
});
