/**
 * The read models against the real reference control plane (its CLI in a child process, with the seeded demo
 * history): the console syncs the ledger with the real sync engine, then every view must say what the control plane's
 * own database says — flags, environment states, tombstones, change requests, incidents, proofs.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeRequest, EnvState, LedgerFilter } from '../../shared/ipc/contract.ts';
import { fromBase64Strict, toHex, type LedgerLeaf } from '../../shared/ledger/index.ts';
import { deriveFlagCatalog } from '../../shared/correlate/index.ts';
import { isUserFacingChange } from '../../shared/state/entry-facts.ts';
import { Replica } from '../ledger/replica.ts';
import { syncOnce } from '../sync/engine.ts';
import { addUser, spawnControlPlane, type ControlPlaneProcess } from '../sync/test-support/control-plane-process.ts';
import { pinnedProfile, tempDir } from '../sync/test-support/fixture.ts';
import { catchUpReadModels } from './catch-up.ts';
import { foldRequests } from './cr-store.ts';
import { entryDetail, inclusionCheck } from './entry-detail.ts';
import { queryLedger } from './ledger-query.ts';
import { flagDetail, listChangeRequests, listFlags, listIncidents } from './lists.ts';

/** Every incident (no page limit on the resolved ones). */
const ALL_INCIDENTS = { resolvedLimit: Number.MAX_SAFE_INTEGER };

interface CpFlag {
  key: string;
  type: string;
  owner: string;
  services: string[];
  tier: string;
  stage: string;
  description: string;
  safe_default: unknown;
  environments: Record<string, EnvState>;
}
interface CpRequest {
  id: string;
  flag_key: string;
  operation: 'state' | 'definition' | 'archive';
  environment: string | null;
  status: string;
  requested_by: string;
  reason: string;
  before: unknown;
  after: unknown;
  scheduled_at: string | null;
  payload_hash: string;
  required_approvals: number;
  approvals: { approver: string; valid: boolean }[];
}
interface CpIncident {
  id: string;
  service: string;
  title: string;
  severity: string;
  source: string;
  status: string;
  triggered_at: string;
}

const STATUS: Record<string, ChangeRequest['status']> = {
  PENDING: 'PENDING',
  SCHEDULED: 'APPROVED',
  APPLIED: 'APPLIED',
  REJECTED: 'REJECTED',
  BLOCKED: 'VOIDED',
};

describe('views of a replica synced from the real control plane (demo history)', () => {
  const dir = tempDir('views');
  let cp: ControlPlaneProcess;
  let token = '';
  let replica: Replica | null = null;
  let size = 0;
  const get = async <T>(path: string, attempt = 1): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(new URL(path, cp.url), { headers: { authorization: `Bearer ${token}` } });
    } catch (err) {
      // The server closes idle keep-alive sockets after 10 s; a request racing that close is retried once.
      if (attempt > 1) throw err;
      return get<T>(path, attempt + 1);
    }
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return (await res.json()) as T;
  };
  const head = async (): Promise<number> =>
    Number((await get<{ note: string }>('/api/v1/ledger/checkpoint')).note.split('\n')[1]);

  beforeAll(async () => {
    const dataDir = join(dir, 'cp');
    cp = await spawnControlPlane({
      dataDir,
      args: [
        '--demo',
        '--seed',
        '3',
        '--no-telemetry',
        '--incident-after',
        '1h',
        '--checkpoint-every',
        '1',
        '--checkpoint-interval',
        '20ms',
      ],
      timeoutMs: 90_000,
    });
    token = addUser(dataDir, 'views-test', 'viewer');
    // Due schedules run on the scheduler's first ticks: wait until the ledger stops growing, bounded.
    let last = -1;
    for (let i = 0; i < 20 && last !== (size = await head()); i++) {
      last = size;
      await new Promise((r) => setTimeout(r, 1500));
    }
    const result = await syncOnce({
      profile: pinnedProfile(cp.url, token, cp),
      replica: (init) => (replica = Replica.open({ path: join(dir, 'replica.sqlite'), ...init })),
      pageSize: 5000,
    });
    expect(result).toMatchObject({ ok: true, size, verifiedSize: size });
  }, 150_000);

  afterAll(async () => {
    replica?.close();
    await cp?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const db = () => replica!.db;

  it('indexes the whole verified ledger', () => {
    expect(catchUpReadModels(db())).toEqual({ indexedSize: size, added: size, rewound: false, complete: true });
    expect(queryLedger(db(), { filter: {}, offset: 0, limit: 1, order: 'desc' }).total).toBe(size);
  });

  it("folds every flag to the control plane's own definition and environment states", async () => {
    const flags = (await get<{ flags: CpFlag[] }>('/api/v1/flags')).flags;
    const archived = (await get<{ tombstones: { flag_key: string; definition: CpFlag }[] }>('/api/v1/tombstones'))
      .tombstones;
    const tombstones = archived.map((t) => t.flag_key);
    expect(flags.length).toBeGreaterThan(100);
    expect(tombstones.length).toBeGreaterThan(0);
    for (const f of flags) {
      const mine = flagDetail(db(), f.key);
      expect(mine).toMatchObject({
        key: f.key,
        type: f.type,
        owner: f.owner,
        services: f.services,
        tier: f.tier,
        stage: f.stage,
        tombstoned: false,
        environments: f.environments,
        description: f.description,
        safe_default: f.safe_default,
      });
      for (const d of mine.dependents)
        expect(
          Object.values(flags.find((x) => x.key === d)!.environments).some((s) => s.prerequisites.includes(f.key)),
        ).toBe(true);
    }
    for (const t of archived) {
      const d = t.definition;
      expect(flagDetail(db(), t.flag_key)).toMatchObject({
        tombstoned: true,
        stage: 'TOMBSTONED',
        owner: d.owner,
        services: d.services,
        tier: d.tier,
        type: d.type,
      });
    }
    expect(listFlags(db(), { query: '', limit: 500 }).map((f) => f.key)).toEqual(
      [...flags.map((f) => f.key), ...tombstones].sort(),
    );
  });

  it("folds change requests to the control plane's statuses, approvals, quorum and payload hashes", async () => {
    const theirs = (await get<{ change_requests: CpRequest[] }>('/api/v1/change-requests?limit=1000')).change_requests;
    const mine = new Map(listChangeRequests(db(), 'ALL', 1000).map((c) => [c.id, c]));
    expect(theirs.length).toBeGreaterThan(10);
    expect(mine.size).toBe(theirs.length);
    for (const t of theirs) {
      const m = mine.get(t.id);
      expect({ ...m, approvals: [...(m?.approvals ?? [])].sort() }).toMatchObject({
        id: t.id,
        flag: t.flag_key,
        operation: t.operation,
        env: t.environment,
        requester: t.requested_by,
        status: STATUS[t.status],
        required: t.required_approvals,
        approvals: t.approvals
          .filter((a) => a.valid)
          .map((a) => a.approver)
          .sort(),
        before: t.before,
        after: t.after,
        payloadHash: t.payload_hash,
        scheduledAt: t.scheduled_at,
        reason: t.reason,
      });
    }
    expect(new Set(theirs.map((t) => t.status)).has('PENDING')).toBe(true);
  });

  it('folds the archive request of the HIGH tombstoned key as the control plane serves it', async () => {
    const theirs = (
      await get<{ change_requests: CpRequest[] }>('/api/v1/change-requests?flag_key=trading.legacy.power-phlx')
    ).change_requests.filter((t) => t.operation === 'archive');
    expect(theirs.map((t) => [t.status, t.environment, t.after])).toEqual([['APPLIED', null, { stage: 'TOMBSTONED' }]]);
    const t = theirs[0]!;
    expect(foldRequests(db(), [t.id])).toEqual([
      expect.objectContaining({
        operation: 'archive',
        env: null,
        status: 'APPLIED',
        required: t.required_approvals,
        approvals: t.approvals.filter((a) => a.valid).map((a) => a.approver),
        before: t.before,
        after: t.after,
        payloadHash: t.payload_hash,
      }),
    ]);
  });

  it("lists the control plane's incidents with their status", async () => {
    const theirs = (await get<{ incidents: CpIncident[] }>('/api/v1/incidents?limit=1000')).incidents;
    const mine = listIncidents(db(), ALL_INCIDENTS).incidents;
    expect(
      mine
        .map((i) => ({
          id: i.id,
          service: i.service,
          title: i.title,
          severity: i.severity,
          source: i.source,
          status: i.status,
          triggered_at: i.triggeredAt,
        }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    ).toEqual(
      theirs
        .map((i) => ({
          id: i.id,
          service: i.service,
          title: i.title,
          severity: i.severity,
          source: i.source,
          status: i.status,
          triggered_at: i.triggered_at,
        }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    );
  });

  it('pages filtered queries exactly like a scan of the leaves would', () => {
    const leaves = (db().prepare('SELECT CAST(leaf AS TEXT) FROM entries ORDER BY idx').pluck().all() as string[]).map(
      (t) => JSON.parse(t) as LedgerLeaf,
    );
    expect(leaves.length).toBe(size);
    const catalog = deriveFlagCatalog(leaves);
    const cases: [LedgerFilter, (l: LedgerLeaf) => boolean][] = [
      [{ action: 'flag.killed' }, (l) => l.action === 'flag.killed'],
      [{ actor: 'system:evaluator' }, (l) => l.actor.id === 'system:evaluator'],
      [
        { team: 'payments', changesOnly: true },
        (l) => l.flag !== null && catalog.get(l.flag)?.owner === 'payments' && isUserFacingChange(l),
      ],
      [
        { env: 'production', action: 'change_request.' },
        (l) => l.env === 'production' && l.action.startsWith('change_request.'),
      ],
    ];
    for (const [filter, keep] of cases) {
      const want = leaves.filter(keep).map((l) => l.idx);
      expect(want.length).toBeGreaterThan(0);
      const got = queryLedger(db(), { filter, offset: Math.max(0, want.length - 30), limit: 30, order: 'asc' });
      expect([filter, got.total, got.rows.map((r) => r.idx)]).toEqual([filter, want.length, want.slice(-30)]);
    }
  });

  it('shows the exact leaf bytes the control plane serves', async () => {
    const res = await fetch(new URL(`/api/v1/ledger/entries?start=1000&end=1003`, cp.url), {
      headers: { authorization: `Bearer ${token}` },
    });
    const lines = (await res.text()).trim().split('\n');
    expect([1000, 1001, 1002].map((i) => entryDetail(db(), i).leafText)).toEqual(lines);
  });

  it('computes the same inclusion proofs as the control plane, against the signed root', async () => {
    for (const idx of [0, 1234, size - 1]) {
      const theirs = await get<{ proof: string[] }>(`/api/v1/ledger/proof/inclusion?idx=${idx}&size=${size}`);
      const check = inclusionCheck(db(), idx);
      expect(check).toMatchObject({
        idx,
        treeSize: size,
        ok: true,
        code: null,
        proofHex: theirs.proof.map((p) => toHex(fromBase64Strict(p))),
      });
      expect(check.rootHex).toBe(replica!.status().root);
    }
  });
});
