import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ActionReceipt } from '../../shared/ipc/contract.ts';
import { AppError } from '../ipc/app-error.ts';
import { EventHub } from '../ipc/registry.ts';
import { plainCodec } from '../ledger/high-water-mark.ts';
import { ProfileStore } from '../profiles/profile-store.ts';
import { fileModeSecretBox } from '../profiles/secret-box.ts';
import { ConsoleRuntime } from './console-runtime.ts';

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
    const profile = store.add({
      name: 'offline',
      url: 'http://127.0.0.1:9',
      environment: 'production',
      token: 'not-used',
    });
    runtime = new ConsoleRuntime({
      store,
      events: new EventHub(),
      hwmCodec: plainCodec,
      notify: () => {},
      log: () => {},
      onAppended: () => {},
    });
    const failed = await runtime.activate('no-such-profile').then(
      () => null,
      (err: unknown) => err,
    );
    expect(failed instanceof AppError ? failed.code : failed).toBe('E_PROFILE_NOT_FOUND');
    const session = await runtime.activate(profile.id);
    expect(session?.profileId).toBe(profile.id);
    expect(runtime.session().profileId).toBe(profile.id);
    // reopen reports the step's error, and the session is open again afterwards
    const refused = await runtime
      .reopen(() => {
        throw new AppError('E_TEST', 'refused');
      })
      .then(
        () => null,
        (err: unknown) => err,
      );
    expect(refused instanceof AppError ? refused.code : refused).toBe('E_TEST');
    expect(runtime.session().profileId).toBe(profile.id);
  });

  it('logs each change of the sync state once, with where it is and why', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsc-runtime-'));
    const store = new ProfileStore(join(dir, 'data'), fileModeSecretBox());
    // Nothing listens on port 9 of loopback: the session tries, then retries.
    const profile = store.add({ name: 'down', url: 'http://127.0.0.1:9', environment: 'production', token: 'x' });
    const lines: { level: string; msg: string; fields: Record<string, unknown> | undefined }[] = [];
    runtime = new ConsoleRuntime({
      store,
      events: new EventHub(),
      hwmCodec: plainCodec,
      notify: () => {},
      log: (level, msg, fields) => lines.push({ level, msg, fields }),
      onAppended: () => {},
    });
    await runtime.activate(profile.id);
    const deadline = Date.now() + 10_000;
    while (!lines.some((l) => l.msg === 'sync reconnecting' || l.msg === 'sync offline') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const sync = lines.filter((l) => l.msg.startsWith('sync ') && l.level === 'info');
    expect(sync[0]).toEqual({ level: 'info', msg: 'sync connecting', fields: { url: 'http://127.0.0.1:9' } });
    const down = sync.find((l) => l.msg === 'sync reconnecting' || l.msg === 'sync offline');
    expect(down?.fields).toMatchObject({ url: 'http://127.0.0.1:9' });
    // One line per change of kind, however often the state is restated.
    for (let i = 1; i < sync.length; i++) expect(sync[i]?.msg).not.toBe(sync[i - 1]?.msg);
  });

  it('a reopen keeps the round trips of actions still in flight; a profile switch starts afresh', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsc-runtime-'));
    const store = new ProfileStore(join(dir, 'data'), fileModeSecretBox());
    const a = store.add({ name: 'a', url: 'http://127.0.0.1:9', environment: 'production', token: 'not-used' });
    const b = store.add({ name: 'b', url: 'http://127.0.0.1:9', environment: 'staging', token: 'not-used' });
    const events = new EventHub();
    const published: string[] = [];
    events.subscribe((channel, payload) => {
      if (channel !== 'actions:updated') return;
      const r = payload as ActionReceipt;
      published.push(`${r.idempotencyKey}:${r.status}:${String(r.appliedIdx)}`);
    });
    runtime = new ConsoleRuntime({
      store,
      events,
      hwmCodec: plainCodec,
      notify: () => {},
      log: () => {},
      onAppended: () => {},
    });
    await runtime.activate(a.id);
    const before = runtime.session();
    before.receipts.sent('kill', 'k-1');
    await runtime.reopen(() => null);
    expect(runtime.session()).not.toBe(before);
    expect(runtime.session().receipts.current('k-1').status).toBe('sent');
    // The control plane's answer reaches the old session's handler after the reopen: it still lands.
    before.receipts.applied('k-1', { kind: 'idx', idx: 7 }, 0);
    expect(runtime.session().receipts.current('k-1')).toMatchObject({ status: 'applied', appliedIdx: 7 });
    runtime.session().receipts.verifiedUpTo(8);
    expect(published).toEqual(['k-1:sent:null', 'k-1:applied:7', 'k-1:verified:7']);
    await runtime.activate(b.id);
    expect(() => runtime!.session().receipts.current('k-1')).toThrow();
  });
});
