import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseShellArgs } from '../main/shell-args.ts';
import { sha256 } from '../main/ledger/node-crypto.ts';
import { keyFingerprint } from '../main/profiles/tofu.ts';
import { formatVerifierKey } from '../shared/ledger/checkpoint.ts';
import { demoPeople, keyFingerprintLines, secondConsoleCommands, shellQuote } from './second-console.ts';

const OUTPUT = [
  'control-plane listening on http://127.0.0.1:4000',
  'demo token admin dana tsk_dana',
  'demo token responder riley tsk_riley',
  'demo token approver blake tsk_blake',
  '',
].join('\n');

describe('the second-console commands npm start prints', () => {
  it('puts each token in its own 0600 file and names it with --token-file, never on the command line', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tsc-people-')), 'people');
    const people = demoPeople(OUTPUT).filter((p) => p.role !== 'admin');
    const out = secondConsoleCommands({ url: 'http://127.0.0.1:4000', people, keys: ['k1+0a0b0c0d+AAAA'], dir });
    expect(out.map((c) => c.name)).toEqual(['riley', 'blake']);
    for (const c of out) {
      expect(statSync(c.tokenFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(c.tokenFile, 'utf8')).toBe(`${c.token}\n`);
      expect(c.command).not.toContain(c.token);
      expect(c.command).toBe(
        `bin/tombstone-console serve --connect http://127.0.0.1:4000 --token-file ${c.tokenFile} --trust k1+0a0b0c0d+AAAA --data ${join(dir, `${c.name}-console`)}`,
      );
      // The printed command is what the console accepts: it reads the token from the file.
      expect(parseShellArgs(c.args.slice(1), {}).connect).toEqual({
        url: 'http://127.0.0.1:4000',
        token: c.token,
        environment: 'production',
        trust: ['k1+0a0b0c0d+AAAA'],
      });
    }
  });

  it('quotes paths a shell would split', () => {
    expect(shellQuote("/tmp/a b/it's")).toBe(`'/tmp/a b/it'\\''s'`);
    expect(shellQuote('/tmp/plain.token')).toBe('/tmp/plain.token');
  });
});

describe('the key fingerprint npm start prints', () => {
  it('is the one a console shows when it asks to confirm the key', () => {
    const pub = new Uint8Array(32).map((_, i) => i + 1);
    const vkey = formatVerifierKey(sha256, 'tombstone.example/ledger', pub);
    const [line] = keyFingerprintLines([vkey]);
    expect(line).toBe(`signing key tombstone.example/ledger: fingerprint ${keyFingerprint(pub)} (${vkey})`);
    expect(keyFingerprint(pub)).toMatch(/^SHA256:([0-9a-f]{4}:){7}[0-9a-f]{4}$/);
  });
});
