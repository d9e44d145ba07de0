import { describe, expect, it } from 'vitest';
import { createFakeApi } from '../test-support/fake-api.ts';
import { changeRequest, liveReplica, receipt, status } from '../test-support/fixtures.ts';
import { createAppStore } from './app-store.ts';

describe('session slice', () => {
  it('selecting a profile marks it active and reloads the replica', async () => {
    const live = liveReplica();
    const fake = createFakeApi({
      ...live,
      profilesSelect: async ({ id }) => ({
        ok: true,
        value: {
          id,
          name: 'b',
          url: 'http://127.0.0.1:5000',
          environment: 'staging',
          origin: null,
          active: true,
          hasToken: true,
        },
      }),
      profilesList: async () => ({
        ok: true,
        value: [
          {
            id: 'p1',
            name: 'a',
            url: 'http://127.0.0.1:4000',
            environment: 'production',
            origin: null,
            active: false,
            hasToken: true,
          },
          {
            id: 'p2',
            name: 'b',
            url: 'http://127.0.0.1:5000',
            environment: 'staging',
            origin: null,
            active: true,
            hasToken: true,
          },
        ],
      }),
    });
    const store = createAppStore(fake.api, { refreshDelayMs: 0 });
    expect(await store.getState().selectProfile('p2')).toBeNull();
    expect(fake.argsOf('profilesSelect')).toEqual([{ id: 'p2' }]);
    expect(store.getState().profiles.find((p) => p.active)?.id).toBe('p2');
    expect(store.getState().verification).toEqual(status);
    expect(store.getState().replica).toBe('present');
  });

  it('adding a profile returns the validation error with its code', async () => {
    const fake = createFakeApi({
      profilesAdd: async () => ({
        ok: false,
        error: { code: 'E_INVALID_ARGUMENT', message: 'url must be an http(s) URL' },
      }),
    });
    const store = createAppStore(fake.api);
    const err = await store.getState().addProfile({ name: 'x', url: 'ftp://x', environment: 'production', token: 't' });
    expect(err).toEqual({ code: 'E_INVALID_ARGUMENT', message: 'url must be an http(s) URL' });
    expect(fake.argsOf('profilesSelect')).toHaveLength(0);
  });

  it('confirming the signing key stores the next sync state', async () => {
    const fake = createFakeApi({
      syncConfirmKey: async () => ({ ok: true, value: { kind: 'connecting', url: 'http://127.0.0.1:4000' } }),
    });
    const store = createAppStore(fake.api);
    expect(await store.getState().confirmKey('demo+abcd1234+AQ==', true)).toBeNull();
    expect(fake.argsOf('syncConfirmKey')).toEqual([{ vkey: 'demo+abcd1234+AQ==', accept: true }]);
    expect(store.getState().sync).toEqual({ kind: 'connecting', url: 'http://127.0.0.1:4000' });
  });

  it('toggles the theme, dark first', () => {
    const store = createAppStore(createFakeApi().api);
    expect(store.getState().theme).toBe('dark');
    store.getState().toggleTheme();
    expect(store.getState().theme).toBe('light');
  });
});

describe('profile switch', () => {
  it('forgets the previous replica before loading the next one', async () => {
    const fake = createFakeApi({
      ...liveReplica(),
      profilesSelect: async ({ id }) => ({
        ok: true,
        value: {
          id,
          name: 'b',
          url: 'http://127.0.0.1:5000',
          environment: 'staging',
          origin: null,
          active: true,
          hasToken: true,
        },
      }),
      incidentsList: async () => ({ ok: true, value: { incidents: [], resolvedTotal: 0 } }),
    });
    const store = createAppStore(fake.api, { refreshDelayMs: 0 });
    store.setState({
      selection: { kind: 'incident', id: 'inc-1' },
      changes: [],
      receipts: {},
      grant: {
        tokenId: 't',
        token: 's',
        expiresAt: '2999-01-01T00:00:00.000Z',
        flags: ['a.b.c'],
        envs: ['production'],
      },
    });
    await store.getState().selectProfile('p2');
    expect(store.getState().selection).toBeNull();
    expect(store.getState().grant).toBeNull();
    expect(store.getState().correlation).toBeNull();
    expect(fake.argsOf('correlationRank')).toHaveLength(0); // the new replica has no incident to rank
  });

  it('a quarantine (same control plane) keeps the round trips in flight, the decisions and the grant; a switch drops them', async () => {
    const fake = createFakeApi({
      ...liveReplica(),
      replicaQuarantine: async () => ({ ok: true, value: { archivedAs: '/data/quarantine/p1-1.sqlite' } }),
      profilesSelect: async ({ id }) => ({
        ok: true,
        value: {
          id,
          name: 'b',
          url: 'http://127.0.0.1:5000',
          environment: 'staging',
          origin: null,
          active: true,
          hasToken: true,
        },
      }),
    });
    const store = createAppStore(fake.api, { refreshDelayMs: 0 });
    const grant = {
      tokenId: 't',
      token: 's',
      expiresAt: '2999-01-01T00:00:00.000Z',
      flags: ['a.b.c'],
      envs: ['production'],
    };
    const decided = { 'cr-1': { cr: changeRequest('bob'), decision: 'approved' as const, receiptKey: 'appr-1' } };
    store.setState({
      selection: { kind: 'incident', id: 'inc-1' },
      receipts: { 'k-1': receipt('k-1', 'sent'), 'appr-1': receipt('appr-1') },
      decidedHere: decided,
      grant,
    });
    expect(await store.getState().quarantineReplica('history edited: set aside')).toBeNull();
    expect(Object.keys(store.getState().receipts)).toEqual(['k-1', 'appr-1']);
    expect(store.getState().decidedHere).toEqual(decided);
    expect(store.getState().grant).toEqual(grant);
    expect(store.getState().quarantinedAs).toBe('/data/quarantine/p1-1.sqlite');
    await store.getState().selectProfile('p2');
    expect([store.getState().receipts, store.getState().decidedHere, store.getState().grant]).toEqual([{}, {}, null]);
  });
});
