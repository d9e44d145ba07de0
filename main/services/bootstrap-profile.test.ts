import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProfileStore } from '../profiles/profile-store.ts';
import { fileModeSecretBox } from '../profiles/secret-box.ts';
import { bootstrapProfile } from './bootstrap-profile.ts';

describe('bootstrapProfile with several instance URLs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bootstrap-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the profile with every URL, then updates the list of the same profile (same replica, same pins)', () => {
    const store = new ProfileStore(join(dir, 'profiles'), fileModeSecretBox());
    const urls = ['http://127.0.0.1:8081', 'http://127.0.0.1:8082'];
    const id = bootstrapProfile(store, { url: urls[0] ?? '', urls, token: 't', environment: 'production', trust: [] });
    expect(store.get(id)).toMatchObject({ url: 'http://127.0.0.1:8081', urls, name: '127.0.0.1:8081' });
    store.pinOrigin(id, 'tombstone.local/ledger');
    const more = [...urls, 'http://127.0.0.1:8083'];
    expect(
      bootstrapProfile(store, { url: urls[0] ?? '', urls: more, token: null, environment: 'production', trust: [] }),
    ).toBe(id);
    expect(store.get(id)).toMatchObject({ urls: more, origin: 'tombstone.local/ledger' });
    expect(bootstrapProfile(store, { url: urls[0] ?? '', token: null, environment: 'production', trust: [] })).toBe(id);
    expect(store.get(id)).not.toHaveProperty('urls');
    expect(store.list()).toHaveLength(1);
  });
});
