import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../ipc/app-error.ts';
import { EventHub } from '../ipc/registry.ts';
import { plainCodec } from '../ledger/high-water-mark.ts';
import { ProfileStore } from '../profiles/profile-store.ts';
import { fileModeSecretBox } from '../profiles/secret-box.ts';
import { ConsoleRuntime } from './runtime.ts';

describe('ConsoleRuntime', () => {
  let dir = '';
  let runtime: ConsoleRuntime | null = null;
  afterEach(async () => {
    await runtime?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a failed switch does not block the next one', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsc-runtime-'));
    const store = new ProfileStore(join(dir, 'data'), fileModeSecretBox());
    // Nothing listens on port 9 of loopback: the session stays offline.
    const profile = store.add({ name: 'offline', url: 'http://127.0.0.1:9', environment: 'production', token: 'not-used' });
    runtime = new ConsoleRuntime({ store, events: new EventHub(), hwmCodec: plainCodec, notify: () => {}, log: () => {}, onAppended: () => {} });
    const failed = await runtime.activate('no-such-profile').then(() => null, (err: unknown) => err);
    expect(failed instanceof AppError ? failed.code : failed).toBe('E_PROFILE_NOT_FOUND');
    const session = await runtime.activate(profile.id);
    expect(session?.profileId).toBe(profile.id);
    expect(runtime.session().profileId).toBe(profile.id);
    // reopen reports the step's error, and the session is open again afterwards
    const refused = await runtime.reopen(() => { throw new AppError('E_TEST', 'refused'); }).then(() => null, (err: unknown) => err);
    expect(refused instanceof AppError ? refused.code : refused).toBe('E_TEST');
    expect(runtime.session().profileId).toBe(profile.id);
  });
});
