import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProfileError } from './errors.ts';
import { ProfileStore, normalizeControlPlaneUrl } from './profile-store.ts';
import { fileModeSecretBox, unavailableSecretBox, type SecretBox } from './secret-box.ts';

const input = { name: 'Prod EU', url: 'https://cp.example.com/some/path', environment: 'production', token: 'tsk_abc' };

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof ProfileError ? err.code : `not a ProfileError: ${String(err)}`;
  }
  return 'no error';
}

/** A box that really transforms bytes, so tests can tell ciphertext from plaintext. */
function xorBox(): SecretBox {
  const flip = (b: Buffer): Buffer => Buffer.from(b.map((x) => x ^ 0x5a));
  return {
    encrypt: (t) => flip(Buffer.from(t, 'utf8')),
    decrypt: (b) => flip(b).toString('utf8'),
    available: () => true,
  };
}

describe('ProfileStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'profiles-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('adds a profile with an encrypted 0600 token, its own replica path, and makes the first one active', () => {
    const store = new ProfileStore(dir, xorBox());
    const p = store.add(input);
    expect(p).toMatchObject({
      name: 'Prod EU',
      url: 'https://cp.example.com',
      environment: 'production',
      origin: null,
      active: true,
      hasToken: true,
    });
    const tokenFile = join(dir, 'tokens', `${p.id}.bin`);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(tokenFile).includes(Buffer.from('tsk_abc'))).toBe(false);
    expect(store.token(p.id)).toBe('tsk_abc');
    expect(statSync(join(dir, 'profiles.json')).mode & 0o777).toBe(0o600);
    const q = store.add({ ...input, name: 'Staging', environment: 'staging' });
    expect(store.replicaPath(p.id)).not.toBe(store.replicaPath(q.id));
    expect(store.list().map((x) => x.active)).toEqual([true, false]);
    expect(store.select(q.id).active).toBe(true);
    expect(store.active()?.id).toBe(q.id);
  });

  it('keeps an Unleash profile as such (URL path kept) and its seal key encrypted by the box, 0600, removed with it', async () => {
    const { boxSealKeyStore, sealSigner } = await import('../sources/unleash/seal-key.ts');
    const store = new ProfileStore(dir, xorBox());
    const p = store.add({ ...input, url: 'https://example.com/unleash/' }, 'unleash');
    expect(p).toMatchObject({ url: 'https://example.com/unleash', source: 'unleash' });
    expect(new ProfileStore(dir, xorBox()).get(p.id).source).toBe('unleash');
    const keys = boxSealKeyStore(store.sealKeyPath(p.id), store.secretBox());
    const signer = sealSigner(keys, true);
    expect(statSync(store.sealKeyPath(p.id)).mode & 0o777).toBe(0o600);
    expect(readFileSync(store.sealKeyPath(p.id)).includes(Buffer.from('tombstone-seal-key'))).toBe(false);
    expect(sealSigner(keys, false).publicKey).toEqual(signer.publicKey);
    store.remove(p.id);
    expect(existsSync(store.sealKeyPath(p.id))).toBe(false);
    expect(() => sealSigner(keys, false)).toThrow(expect.objectContaining({ code: 'E_SEAL_KEY_MISSING' }));
  });

  it('refuses to store a token when the secret box is unavailable, and stores nothing', () => {
    const store = new ProfileStore(dir, unavailableSecretBox());
    expect(codeOf(() => store.add(input))).toBe('E_SECRET_STORE_UNAVAILABLE');
    expect(store.list()).toEqual([]);
  });

  it('browser mode keeps the token in a 0600 file through the file-mode box', () => {
    const store = new ProfileStore(dir, fileModeSecretBox());
    const p = store.add(input);
    expect(store.token(p.id)).toBe('tsk_abc');
    expect(statSync(join(dir, 'tokens', `${p.id}.bin`)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'tokens')).mode & 0o777).toBe(0o700);
  });

  it('reports an unreadable token with E_SECRET_UNREADABLE', () => {
    const p = new ProfileStore(dir, xorBox()).add(input);
    expect(codeOf(() => new ProfileStore(dir, fileModeSecretBox()).token(p.id))).toBe('E_SECRET_UNREADABLE');
  });

  it('pins the origin once and refuses a different one with E_ORIGIN_CHANGED', () => {
    const store = new ProfileStore(dir, xorBox());
    const p = store.add(input);
    store.pinOrigin(p.id, 'tombstone.example/prod');
    store.pinOrigin(p.id, 'tombstone.example/prod');
    expect(store.get(p.id).origin).toBe('tombstone.example/prod');
    expect(codeOf(() => store.pinOrigin(p.id, 'evil.example/prod'))).toBe('E_ORIGIN_CHANGED');
  });

  it('stores trusted keys, replacing by vkey', () => {
    const store = new ProfileStore(dir, xorBox());
    const p = store.add(input);
    const key = {
      vkey: 'a+00000000+AQ==',
      validFromSize: null,
      validUntilSize: null,
      confirmedAt: '2026-01-01T00:00:00.000Z',
      source: 'tofu' as const,
    };
    store.trustKey(p.id, key);
    store.trustKey(p.id, { ...key, validUntilSize: 10 });
    expect(store.get(p.id).keys).toEqual([{ ...key, validUntilSize: 10 }]);
  });

  it('removes a profile with its token and moves the active mark', () => {
    const store = new ProfileStore(dir, xorBox());
    const a = store.add(input);
    const b = store.add({ ...input, environment: 'staging' });
    store.remove(a.id);
    expect(store.list().map((x) => [x.id, x.active])).toEqual([[b.id, true]]);
    expect(store.token(a.id)).toBe(null);
    expect(codeOf(() => store.get(a.id))).toBe('E_PROFILE_NOT_FOUND');
  });

  it('removes the replica with its high-water mark and acknowledgements', () => {
    const store = new ProfileStore(dir, xorBox());
    const a = store.add(input);
    mkdirSync(join(dir, 'replicas'), { recursive: true });
    const files = ['', '-wal', '.hwm', '.acks.json'].map((s) => store.replicaPath(a.id) + s);
    for (const f of files) writeFileSync(f, 'x');
    store.remove(a.id);
    expect(files.filter((f) => existsSync(f))).toEqual([]);
  });

  it('sets a replica aside under quarantine/ with its sidecars and a note, and refuses when there is none', () => {
    const store = new ProfileStore(dir, xorBox());
    const a = store.add(input);
    expect(codeOf(() => store.quarantineReplica(a.id, { reason: 'none here' }))).toBe('E_NO_REPLICA');
    mkdirSync(join(dir, 'replicas'), { recursive: true });
    for (const s of ['', '-wal', '.hwm']) writeFileSync(store.replicaPath(a.id) + s, `content${s}`);
    const to = store.quarantineReplica(a.id, { reason: 'entry 5 was edited' }, new Date('2026-11-25T03:20:00.123Z'));
    expect(to).toBe(join(dir, 'quarantine', `${a.id}-2026-11-25T03-20-00-123Z.sqlite`));
    expect(readdirSync(join(dir, 'quarantine')).sort()).toEqual([
      `${a.id}-2026-11-25T03-20-00-123Z.json`,
      `${a.id}-2026-11-25T03-20-00-123Z.sqlite`,
      `${a.id}-2026-11-25T03-20-00-123Z.sqlite-wal`,
      `${a.id}-2026-11-25T03-20-00-123Z.sqlite.hwm`,
    ]);
    expect(readFileSync(`${to}.hwm`, 'utf8')).toBe('content.hwm');
    expect(existsSync(store.replicaPath(a.id))).toBe(false);
    expect(JSON.parse(readFileSync(to.replace(/\.sqlite$/, '.json'), 'utf8'))).toEqual({
      profile: a.id,
      quarantined_at: '2026-11-25T03:20:00.123Z',
      replica: to,
      reason: 'entry 5 was edited',
    });
    expect(statSync(to.replace(/\.sqlite$/, '.json')).mode & 0o777).toBe(0o600);
  });

  it('rejects invalid input with E_PROFILE_INVALID', () => {
    const store = new ProfileStore(dir, xorBox());
    expect(codeOf(() => store.add({ ...input, url: 'ftp://x' }))).toBe('E_PROFILE_INVALID');
    expect(codeOf(() => store.add({ ...input, url: 'https://u:p@x.example' }))).toBe('E_PROFILE_INVALID');
    expect(codeOf(() => store.add({ ...input, environment: 'Prod EU' }))).toBe('E_PROFILE_INVALID');
    expect(codeOf(() => store.add({ ...input, token: ' ' }))).toBe('E_PROFILE_INVALID');
    expect(codeOf(() => store.replicaPath('../etc'))).toBe('E_PROFILE_INVALID');
  });

  it('refuses a damaged profile file with E_PROFILE_STORE_CORRUPT', () => {
    const store = new ProfileStore(dir, xorBox());
    writeFileSync(join(dir, 'profiles.json'), '{"version":1,"active":null,"profiles":[{"id":"x"}]}');
    expect(codeOf(() => store.list())).toBe('E_PROFILE_STORE_CORRUPT');
    writeFileSync(join(dir, 'profiles.json'), 'not json');
    expect(codeOf(() => store.list())).toBe('E_PROFILE_STORE_CORRUPT');
  });

  it('keeps several instance URLs of one control plane, first one as the URL; a one-URL file still reads', () => {
    const store = new ProfileStore(dir, xorBox());
    const p = store.add({ ...input, url: 'https://a.example.com/x, https://b.example.com:8443,https://c.example.com' });
    expect(p).toMatchObject({
      url: 'https://a.example.com',
      urls: ['https://a.example.com', 'https://b.example.com:8443', 'https://c.example.com'],
    });
    expect(store.get(p.id).urls).toEqual([
      'https://a.example.com',
      'https://b.example.com:8443',
      'https://c.example.com',
    ]);
    // Back to one URL: the list is dropped, the file looks as it did before several URLs existed.
    expect(store.setUrls(p.id, ['https://b.example.com:8443'])).not.toHaveProperty('urls');
    expect(store.get(p.id)).toMatchObject({ url: 'https://b.example.com:8443' });
    expect(store.get(p.id)).not.toHaveProperty('urls');
    expect(store.setUrls(p.id, ['https://b.example.com:8443', 'https://a.example.com']).urls).toEqual([
      'https://b.example.com:8443',
      'https://a.example.com',
    ]);
    // A file written by an older console (no "urls") reads as one URL.
    const old = {
      version: 1,
      active: 'p_old',
      profiles: [
        {
          id: 'p_old',
          name: 'old',
          url: 'https://old.example.com',
          environment: 'production',
          origin: null,
          keys: [],
          createdAt: '2026-01-01T00:00:00.000Z',
        },
      ],
    };
    writeFileSync(join(dir, 'profiles.json'), JSON.stringify(old));
    expect(store.list()).toEqual([
      {
        id: 'p_old',
        name: 'old',
        url: 'https://old.example.com',
        environment: 'production',
        origin: null,
        active: true,
        hasToken: false,
      },
    ]);
  });

  it('refuses a repeated, empty or too long URL list, and a list that does not start with the URL', () => {
    const store = new ProfileStore(dir, xorBox());
    expect(codeOf(() => store.add({ ...input, url: 'https://a.example.com https://a.example.com/' }))).toBe(
      'E_PROFILE_INVALID',
    );
    expect(codeOf(() => store.add({ ...input, url: ' , ' }))).toBe('E_PROFILE_INVALID');
    const many = Array.from({ length: 17 }, (_, i) => `https://h${i}.example.com`).join(',');
    expect(codeOf(() => store.add({ ...input, url: many }))).toBe('E_PROFILE_INVALID');
    const p = store.add(input);
    const file = JSON.parse(readFileSync(join(dir, 'profiles.json'), 'utf8')) as { profiles: { urls?: string[] }[] };
    for (const urls of [['https://x.example.com', 'https://cp.example.com'], ['https://cp.example.com'], 'x']) {
      (file.profiles[0] as { urls?: unknown }).urls = urls;
      writeFileSync(join(dir, 'profiles.json'), JSON.stringify(file));
      expect(codeOf(() => store.get(p.id))).toBe('E_PROFILE_STORE_CORRUPT');
    }
  });

  it('normalizes URLs to their origin', () => {
    expect(normalizeControlPlaneUrl('http://127.0.0.1:8080/api/')).toBe('http://127.0.0.1:8080');
  });
});
