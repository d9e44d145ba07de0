import { describe, expect, it } from 'vitest';
import type { CorrelationResult } from '../../../shared/ipc/contract.ts';
import type { Result } from '../../../shared/ipc/result.ts';
import { createFakeApi } from '../test-support/fake-api.ts';
import { correlation, incident, incidentPage, liveReplica, oldIncident } from '../test-support/fixtures.ts';
import { createAppStore } from './app-store.ts';
import type { Incident } from '../../../shared/ipc/contract.ts';
import { BUSY_MS, defaultIncident, NEW_SINCE_OPEN_MS, sortIncidents } from './incidents-slice.ts';

describe('incidents slice', () => {
  it('sorts active incidents first, newest first', () => {
    const ack = { ...incident, id: 'inc-2', status: 'acknowledged' as const, triggeredAt: '2026-11-25T04:00:00.000Z' };
    expect(sortIncidents([oldIncident, ack, incident]).map((i) => i.id)).toEqual(['inc-1', 'inc-2', 'inc-0']);
  });

  it('ranks a manual time with its service', async () => {
    const fake = createFakeApi(liveReplica());
    const store = createAppStore(fake.api);
    await store.getState().rankAt('2026-11-25T03:00:00.000Z', 'checkout');
    await store.getState().rankAt('2026-11-25T03:00:00.000Z', null);
    expect(fake.argsOf('correlationRank')).toEqual([
      { at: '2026-11-25T03:00:00.000Z', service: 'checkout', limit: 3 },
      { at: '2026-11-25T03:00:00.000Z', limit: 3 },
    ]);
    expect(store.getState().selection).toEqual({ kind: 'manual', at: '2026-11-25T03:00:00.000Z', service: null });
  });

  it('drops the answer of a superseded selection', async () => {
    let release: (r: Result<CorrelationResult>) => void = () => {};
    const slow = new Promise<Result<CorrelationResult>>((r) => {
      release = r;
    });
    const fake = createFakeApi({
      ...liveReplica(),
      correlationRank: (a) =>
        'incidentId' in a && a.incidentId === 'slow' ? slow : Promise.resolve({ ok: true, value: correlation }),
    });
    const store = createAppStore(fake.api);
    const first = store.getState().selectIncident('slow');
    await store.getState().selectIncident('inc-1');
    release({ ok: false, error: { code: 'E_STALE', message: 'late' } });
    await first;
    expect(store.getState().correlationError).toBeNull();
    expect(store.getState().correlation).toEqual(correlation);
  });

  it('keeps the error of a failed ranking and of a failed list', async () => {
    const fake = createFakeApi({
      correlationRank: async () => ({
        ok: false,
        error: { code: 'E_INCIDENT_NOT_FOUND', message: 'No incident inc-9 in the replica.' },
      }),
      incidentsList: async () => ({ ok: false, error: { code: 'E_NO_PROFILE', message: 'none' } }),
    });
    const store = createAppStore(fake.api);
    await store.getState().selectIncident('inc-9');
    expect(store.getState().correlationError?.code).toBe('E_INCIDENT_NOT_FOUND');
    expect(store.getState().correlating).toBe(false);
    await store.getState().loadIncidents();
    expect(store.getState().incidentsError?.code).toBe('E_NO_PROFILE');
  });

  describe('the live incident takes the screen', () => {
    const warning: Incident = {
      ...incident,
      id: 'inc-w',
      severity: 'warning',
      triggeredAt: '2026-11-25T03:20:00.000Z',
      idx: 130,
    };
    const payments: Incident = {
      ...incident,
      id: 'inc-p',
      service: 'payments',
      title: 'payments 5xx',
      triggeredAt: '2026-11-25T03:30:00.000Z',
      idx: 150,
    };
    /** A store over a list the test changes, with a clock the test moves. */
    function setup(initial: Incident[]) {
      let list = initial;
      let t = 1_000_000;
      const fake = createFakeApi({
        ...liveReplica(),
        incidentsList: async (a) => ({ ok: true, value: incidentPage(list, a) }),
      });
      const store = createAppStore(fake.api, { now: () => t, refreshDelayMs: 0 });
      return {
        fake,
        store,
        setList: (next: Incident[]) => (list = next),
        advance: (ms: number) => (t += ms),
        ranked: () => fake.argsOf('correlationRank'),
      };
    }

    it('opens on the most severe active incident, never a resolved one', async () => {
      expect(defaultIncident([oldIncident, warning, incident])?.id).toBe('inc-1');
      expect(defaultIncident([oldIncident])).toBeNull();
      const { store, ranked } = setup([oldIncident, warning, incident]);
      await store.getState().loadIncidents();
      expect(store.getState().selection).toEqual({ kind: 'incident', id: 'inc-1' });
      expect(ranked()).toEqual([{ incidentId: 'inc-1', limit: 3 }]);
    });

    it('selects nothing when only resolved incidents exist (the calm state)', async () => {
      const { store, ranked } = setup([oldIncident]);
      await store.getState().loadIncidents();
      expect(store.getState().selection).toBeNull();
      expect(store.getState().incidentsLoaded).toBe(true);
      expect(ranked()).toEqual([]);
    });

    it('a new incident of equal severity takes the screen and is announced', async () => {
      const { store, setList, ranked } = setup([oldIncident, incident]);
      await store.getState().loadIncidents();
      setList([oldIncident, incident, payments]);
      await store.getState().loadIncidents();
      expect(store.getState().selection).toEqual({ kind: 'incident', id: 'inc-p' });
      expect(store.getState().jumpTarget).toBeNull();
      expect(store.getState().incidentAnnouncement?.text).toBe('New critical incident — payments: payments 5xx');
      expect(ranked()).toEqual([
        { incidentId: 'inc-1', limit: 3 },
        { incidentId: 'inc-p', limit: 3 },
      ]);
    });

    it('a less severe new incident is announced but does not take the screen', async () => {
      const { store, setList } = setup([incident]);
      await store.getState().loadIncidents();
      setList([incident, warning]);
      await store.getState().loadIncidents();
      expect(store.getState().selection).toEqual({ kind: 'incident', id: 'inc-1' });
      expect(store.getState().jumpTarget).toBeNull();
      expect(store.getState().incidentAnnouncement?.id).toBe('inc-w');
    });

    it('waits behind the jump bar while a dialog is open, after typing, or after a selection of the last 30 s', async () => {
      for (const busy of ['dialog', 'typed', 'selected'] as const) {
        const { store, setList, advance } = setup([oldIncident, incident]);
        await store.getState().loadIncidents();
        advance(BUSY_MS * 2);
        if (busy === 'dialog') store.getState().openDialog({ kind: 'manualIncident' });
        if (busy === 'typed') store.getState().noteInput();
        if (busy === 'selected') await store.getState().selectIncident('inc-0');
        advance(BUSY_MS - 1);
        setList([oldIncident, incident, payments]);
        await store.getState().loadIncidents();
        expect(store.getState().jumpTarget?.id, busy).toBe('inc-p');
        expect(store.getState().selection, busy).not.toEqual({ kind: 'incident', id: 'inc-p' });
        await store.getState().jumpToIncident();
        expect(store.getState().selection, busy).toEqual({ kind: 'incident', id: 'inc-p' });
        expect(store.getState().jumpTarget, busy).toBeNull();
      }
    });

    it('a screen chosen by the default rule follows it as the history fills in: never a resolved one, no announcement', async () => {
      // A first back-fill: the first list holds part of the history, whose incidents were triggered long before the
      // console opened. The incident on screen is resolved by an entry that arrives later.
      const opened = Date.parse('2026-11-25T05:00:00.000Z');
      let list: Incident[] = [oldIncident, warning];
      const fake = createFakeApi({
        ...liveReplica(),
        incidentsList: async (a) => ({ ok: true, value: incidentPage(list, a) }),
      });
      const store = createAppStore(fake.api, { now: () => opened, refreshDelayMs: 0 });
      await store.getState().loadIncidents();
      expect(store.getState().selection).toEqual({ kind: 'incident', id: 'inc-w' });
      expect(store.getState().selectionByDefault).toBe(true);
      // The rest arrives: a more severe active incident (old: not announced), and the warning's resolution.
      list = [oldIncident, { ...warning, status: 'resolved' }, incident];
      await store.getState().loadIncidents();
      expect(store.getState().selection).toEqual({ kind: 'incident', id: 'inc-1' });
      expect(store.getState().incidentAnnouncement).toBeNull();
      // It is resolved elsewhere and nothing else is active: the calm state, not a resolved incident.
      list = [oldIncident, { ...warning, status: 'resolved' }, { ...incident, status: 'resolved' }];
      await store.getState().loadIncidents();
      expect(store.getState().selection).toBeNull();
      expect(store.getState().correlation).toBeNull();
      // One triggered a minute before the console opened (a late webhook) is new: announced, and takes the screen.
      const late = { ...payments, triggeredAt: new Date(opened - 60_000).toISOString() };
      list = [...list, late];
      await store.getState().loadIncidents();
      expect(store.getState().selection).toEqual({ kind: 'incident', id: 'inc-p' });
      expect(store.getState().incidentAnnouncement?.id).toBe('inc-p');
      expect(store.getState().selectionByDefault).toBe(false);
      expect(fake.argsOf('correlationRank')).toEqual([
        { incidentId: 'inc-w', limit: 3 },
        { incidentId: 'inc-1', limit: 3 },
        { incidentId: 'inc-p', limit: 3 },
      ]);
      expect(NEW_SINCE_OPEN_MS).toBe(300_000);
    });

    it('once the responder acted (a selection, a dialog, an acknowledgement) the screen stays where it is', async () => {
      for (const act of ['selected', 'dialog', 'acknowledged'] as const) {
        const { store, setList, advance } = setup([oldIncident, warning, incident]);
        await store.getState().loadIncidents();
        if (act === 'selected') await store.getState().selectIncident('inc-w');
        if (act === 'dialog') {
          store.getState().openDialog({ kind: 'manualIncident' });
          store.getState().closeDialog();
        }
        if (act === 'acknowledged') await store.getState().transitionIncident('inc-1', 'resolve');
        expect(store.getState().selectionByDefault, act).toBe(false);
        advance(BUSY_MS * 2);
        const shown = store.getState().selection;
        setList([oldIncident, { ...warning, status: 'resolved' }, { ...incident, status: 'resolved' }]);
        await store.getState().loadIncidents();
        expect(store.getState().selection, act).toEqual(shown);
      }
    });

    it('drops a list answer that a newer request overtook', async () => {
      const answers: ((l: Incident[]) => void)[] = [];
      const fake = createFakeApi({
        ...liveReplica(),
        incidentsList: (a) =>
          new Promise((resolve) => answers.push((l) => resolve({ ok: true, value: incidentPage(l, a) }))),
      });
      const store = createAppStore(fake.api, { now: () => 1_000_000, refreshDelayMs: 0 });
      const older = store.getState().loadIncidents();
      const newer = store.getState().loadIncidents();
      answers[1]?.([oldIncident, incident]);
      await newer;
      answers[0]?.([oldIncident]);
      await older;
      expect(store.getState().incidents.map((i) => i.id)).toEqual(['inc-1', 'inc-0']);
      expect(store.getState().selection).toEqual({ kind: 'incident', id: 'inc-1' });
    });

    it('takes the screen once the 30 s of the last keystroke have passed', async () => {
      const { store, setList, advance } = setup([incident]);
      await store.getState().loadIncidents();
      store.getState().noteInput();
      advance(BUSY_MS);
      setList([incident, payments]);
      await store.getState().loadIncidents();
      expect(store.getState().selection).toEqual({ kind: 'incident', id: 'inc-p' });
    });
  });
});
