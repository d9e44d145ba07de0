import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseShellArgs, ShellArgsError } from './shell-args.ts';
import { TokenFileError } from './token-file.ts';

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

  it('reads --unleash <url> (keeping its path) with its admin token; --trust does not go with it', () => {
    const a = parseShellArgs(['--unleash', 'https://example.com/unleash/', '--environment', 'development'], {
      TOMBSTONE_TOKEN: '*:*.admin',
    });
    expect(a.connect).toEqual({
      url: 'https://example.com/unleash',
      token: '*:*.admin',
      environment: 'development',
      trust: [],
      source: 'unleash',
    });
    expect(() => parseShellArgs(['--unleash', 'http://127.0.0.1:4242', '--trust', 'k'], {})).toThrow(
      'an Unleash mirror trusts its own seal key',
    );
    expect(() => parseShellArgs(['--unleash', 'http://127.0.0.1:4242?x=1'], {})).toThrow('no credentials, query');
    expect(() => parseShellArgs(['--unleash', 'http://a', '--connect', 'http://b'], {})).toThrow('once');
  });

  it('reads several instances of one control plane from a comma-separated --connect', () => {
    const a = parseShellArgs(['--connect', 'http://127.0.0.1:8081/, http://127.0.0.1:8082'], { TOMBSTONE_TOKEN: 't' });
    expect(a.connect).toEqual({
      url: 'http://127.0.0.1:8081',
      urls: ['http://127.0.0.1:8081', 'http://127.0.0.1:8082'],
      token: 't',
      environment: 'production',
      trust: [],
    });
    expect(() => parseShellArgs(['--connect', 'http://a:1,http://a:1/'], {})).toThrow(
      '--connect lists http://a:1 twice.',
    );
    expect(() => parseShellArgs(['--connect', 'http://a:1,ftp://b'], {})).toThrow('only http(s)');
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

  it('reads --token-file (mode 0600) and refuses one other users can read, like ssh does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsc-token-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'tsk_from_file\n');
    chmodSync(file, 0o600);
    const connect = ['--connect', 'http://127.0.0.1:8080', '--token-file', file];
    expect(parseShellArgs(connect, { TOMBSTONE_TOKEN: 'env' }).connect?.token).toBe('tsk_from_file');
    chmodSync(file, 0o640);
    expect(() => parseShellArgs(connect, {})).toThrow(
      expect.objectContaining({ name: 'TokenFileError', code: 'E_TOKEN_FILE_MODE' }),
    );
    expect(() => parseShellArgs(connect, {})).toThrow(TokenFileError);
    expect(() => parseShellArgs([...connect.slice(0, 2), '--token-file', join(dir, 'none')], {})).toThrow(
      expect.objectContaining({ code: 'E_TOKEN_FILE' }),
    );
    expect(() => parseShellArgs([...connect, '--token', 't'], {})).toThrow('either --token or --token-file');
    expect(() => parseShellArgs(['--token-file', file], {})).toThrow('go with --connect');
  });

  it('ignores unknown switches when not strict (Electron adds its own)', () => {
    expect(parseShellArgs(['--inspect=0', '--remote-debugging-port=0'], {}, false).connect).toBeNull();
  });
});
