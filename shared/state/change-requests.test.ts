import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { ChangeRequestOperation, Tier } from '../ipc/types/domain.ts';
import { payloadHashHex, requiredApprovals } from '../protocol/index.ts';
import { foldChangeRequests, type ChangeRequestLeaf } from './change-requests.ts';

const sha = (b: Uint8Array): Uint8Array => createHash('sha256').update(b).digest();
const s = (enabled: boolean, pct: number) => ({
  enabled,
  rollout_pct: pct,
  variation: 'on',
  rules: [],
  prerequisites: [],
});
const tiers: Record<string, Tier> = { 'pay.checkout.v2': 'HIGH', 'pay.core.ledger': 'BLOCKED', 'web.ui.theme': 'LOW' };
const ctx = {
  tierAt: (flag: string): Tier | null => tiers[flag] ?? null,
  hashPayload: (f: string, e: string | null, a: unknown, at: string | null, op: ChangeRequestOperation) =>
    payloadHashHex(sha, f, e, a, at, op),
};

function leaf(idx: number, action: string, actor: string, o: Partial<ChangeRequestLeaf> = {}): ChangeRequestLeaf {
  return {
    idx,
    actor: { id: actor },
    action,
    flag: 'pay.checkout.v2',
    env: 'production',
    before: null,
    after: null,
    reason: 'ramp',
    refs: {},
    ...o,
  };
}

function created(
  idx: number,
  id: string,
  flag: string,
  after: object,
  scheduledAt: string | null = null,
): ChangeRequestLeaf {
  const hash = payloadHashHex(sha, flag, 'production', after, scheduledAt);
  const payload = scheduledAt === null ? after : { ...after, scheduled_at: scheduledAt };
  return leaf(idx, 'change_request.created', 'alice', {
    flag,
    before: s(false, 0),
    after: payload,
    refs: { change_request: id, payload_hash: hash },
  });
}

function approved(idx: number, c: ChangeRequestLeaf, who: string, n: number, required: number): ChangeRequestLeaf {
  return leaf(idx, 'change_request.approved', who, {
    flag: c.flag,
    after: { approvals: n, required },
    refs: { ...c.refs },
  });
}

describe('payloadHashHex', () => {
  it('is SHA-256 of the canonical {flag_key, environment, after, scheduled_at}, as the control plane computes it', () => {
    const text =
      '{"after":{"enabled":true,"rollout_pct":5},"environment":"production","flag_key":"a.b.c","scheduled_at":null}';
    expect(payloadHashHex(sha, 'a.b.c', 'production', { rollout_pct: 5, enabled: true }, null)).toBe(
      createHash('sha256').update(text).digest('hex'),
    );
  });

  it('binds the operation of a definition or archive request (environment null), so no state payload hashes alike', () => {
    const text =
      '{"after":{"stage":"TOMBSTONED"},"environment":null,"flag_key":"a.b.c","operation":"archive","scheduled_at":null}';
    expect(payloadHashHex(sha, 'a.b.c', null, { stage: 'TOMBSTONED' }, null, 'archive')).toBe(
      createHash('sha256').update(text).digest('hex'),
    );
    expect(payloadHashHex(sha, 'a.b.c', null, { tier: 'LOW' }, null, 'definition')).not.toBe(
      payloadHashHex(sha, 'a.b.c', null, { tier: 'LOW' }, null, 'state'),
    );
  });
});

/** The entries of a definition or archive request as the control plane writes them (env null, refs.operation). */
function envLess(
  idx: number,
  id: string,
  op: 'definition' | 'archive',
  before: object,
  after: object,
): ChangeRequestLeaf {
  const refs = { change_request: id, payload_hash: payloadHashHex(sha, 'pay.checkout.v2', null, after, null, op) };
  return leaf(idx, 'change_request.created', 'rita', { env: null, before, after, refs: { ...refs, operation: op } });
}

describe('foldChangeRequests: definition and archive requests', () => {
  it('folds an archive request from created to applied (the tombstone), with its operation and no environment', () => {
    const c = envLess(80, 'cr-80', 'archive', { stage: 'CLEANUP' }, { stage: 'TOMBSTONED' });
    const pending = foldChangeRequests([c], ctx)[0];
    expect(pending).toMatchObject({
      id: 'cr-80',
      operation: 'archive',
      env: null,
      status: 'PENDING',
      required: 1,
      before: { stage: 'CLEANUP' },
      after: { stage: 'TOMBSTONED' },
    });
    const approval = leaf(81, 'change_request.approved', 'amy', {
      env: null,
      after: { approvals: 1, required: 1 },
      refs: c.refs,
    });
    const applied = leaf(82, 'change_request.applied', 'amy', {
      env: null,
      before: { key: 'pay.checkout.v2' },
      after: null,
      refs: c.refs,
    });
    expect(foldChangeRequests([c, approval, applied], ctx)[0]).toMatchObject({ status: 'APPLIED', approvals: ['amy'] });
  });

  it('voids a definition request whose payload does not hash to its recorded hash (the operation is bound)', () => {
    const c = envLess(90, 'cr-90', 'definition', { tier: 'HIGH' }, { tier: 'MEDIUM' });
    expect(foldChangeRequests([c], ctx)[0]).toMatchObject({ operation: 'definition', status: 'PENDING' });
    const asState = {
      ...c,
      refs: { ...c.refs, payload_hash: payloadHashHex(sha, 'pay.checkout.v2', null, { tier: 'MEDIUM' }, null) },
    };
    expect(foldChangeRequests([asState], ctx)[0]?.status).toBe('VOIDED');
  });

  it('takes the quorum a stricter dependent set from the creation entry, and skips malformed requests', () => {
    const c = created(95, 'cr-95', 'web.ui.theme', s(true, 100));
    const gated = { ...c, refs: { ...c.refs, required_approvals: '1', gated_by: 'pay.checkout.v2' } };
    expect(foldChangeRequests([gated], ctx)[0]).toMatchObject({ tier: 'LOW', required: 1 });
    const noEnv = { ...c, env: null };
    const archiveWithEnv = envLess(96, 'cr-96', 'archive', {}, { stage: 'TOMBSTONED' });
    expect(foldChangeRequests([noEnv, { ...archiveWithEnv, env: 'production' }], ctx)).toEqual([]);
  });
});

describe('foldChangeRequests', () => {
  it('follows a HIGH request from created through one approval to applied', () => {
    const c = created(10, 'cr-10', 'pay.checkout.v2', s(true, 50));
    const list = foldChangeRequests(
      [
        c,
        approved(11, c, 'bob', 1, 1),
        leaf(12, 'change_request.applied', 'bob', { before: s(false, 0), after: s(true, 50), refs: { ...c.refs } }),
      ],
      ctx,
    );
    expect(list).toEqual([
      {
        id: 'cr-10',
        flag: 'pay.checkout.v2',
        operation: 'state',
        env: 'production',
        tier: 'HIGH',
        requester: 'alice',
        status: 'APPLIED',
        approvals: ['bob'],
        required: 1,
        before: s(false, 0),
        after: s(true, 50),
        payloadHash: c.refs['payload_hash'],
        scheduledAt: null,
        reason: 'ramp',
        createdIdx: 10,
      },
    ]);
  });

  it('keeps a BLOCKED request pending until two approvals, and takes the quorum from the tier before any approval', () => {
    const c = created(20, 'cr-20', 'pay.core.ledger', s(true, 1));
    expect(foldChangeRequests([c], ctx)[0]).toMatchObject({
      status: 'PENDING',
      approvals: [],
      required: 2,
      tier: 'BLOCKED',
    });
    expect(foldChangeRequests([c, approved(21, c, 'bob', 1, 2)], ctx)[0]).toMatchObject({
      status: 'PENDING',
      approvals: ['bob'],
      required: 2,
    });
  });

  it('marks approved scheduled requests APPROVED, then APPLIED when the scheduler executes them', () => {
    const c = created(30, 'cr-30', 'pay.checkout.v2', s(true, 10), '2026-12-01T00:00:00.000Z');
    const sched = leaf(32, 'schedule.created', 'bob', {
      after: { schedule_id: 'sch-32', run_at: '2026-12-01T00:00:00.000Z' },
      refs: { ...c.refs, schedule: 'sch-32' },
    });
    const base = [c, approved(31, c, 'bob', 1, 1), sched];
    expect(foldChangeRequests(base, ctx)[0]).toMatchObject({
      status: 'APPROVED',
      scheduledAt: '2026-12-01T00:00:00.000Z',
      after: s(true, 10),
    });
    const run = leaf(40, 'schedule.executed', 'system:scheduler', {
      after: s(true, 10),
      refs: { schedule: 'sch-32', change_request: 'cr-30', payload_hash: c.refs['payload_hash']! },
    });
    expect(foldChangeRequests([...base, run], ctx)[0]?.status).toBe('APPLIED');
    const blocked = leaf(40, 'schedule.blocked', 'system:scheduler', {
      refs: { schedule: 'sch-32', change_request: 'cr-30' },
    });
    expect(foldChangeRequests([...base, blocked], ctx)[0]?.status).toBe('VOIDED');
  });

  it('drops approvals of an older payload after an edit, and voids an approved schedule that was edited', () => {
    const c = created(50, 'cr-50', 'pay.core.ledger', s(true, 5));
    const newHash = payloadHashHex(sha, 'pay.core.ledger', 'production', s(true, 7), null);
    const edit = leaf(52, 'change_request.updated', 'alice', {
      flag: 'pay.core.ledger',
      before: s(true, 5),
      after: s(true, 7),
      reason: 'seven',
      refs: { change_request: 'cr-50', payload_hash: newHash },
    });
    const cr = foldChangeRequests([c, approved(51, c, 'bob', 1, 2), edit], ctx)[0];
    expect(cr).toMatchObject({
      status: 'PENDING',
      approvals: [],
      payloadHash: newHash,
      after: s(true, 7),
      reason: 'seven',
    });
    const s1 = created(60, 'cr-60', 'pay.checkout.v2', s(true, 10), '2026-12-01T00:00:00.000Z');
    const sched = leaf(62, 'schedule.created', 'bob', { refs: { ...s1.refs, schedule: 'sch-62' } });
    const editS = leaf(63, 'change_request.updated', 'alice', {
      after: { ...s(true, 20), scheduled_at: '2026-12-01T00:00:00.000Z' },
      refs: {
        change_request: 'cr-60',
        payload_hash: payloadHashHex(sha, 'pay.checkout.v2', 'production', s(true, 20), '2026-12-01T00:00:00.000Z'),
      },
    });
    expect(foldChangeRequests([s1, approved(61, s1, 'bob', 1, 1), sched, editS], ctx)[0]).toMatchObject({
      status: 'VOIDED',
      approvals: [],
    });
  });

  it('shows rejections, counts an approver once, and voids an open request whose hash does not bind its payload', () => {
    const c = created(70, 'cr-70', 'pay.core.ledger', s(true, 5));
    const rejected = leaf(72, 'change_request.rejected', 'carol', {
      flag: 'pay.core.ledger',
      after: { reason: 'no' },
      refs: { ...c.refs },
    });
    expect(
      foldChangeRequests([c, approved(71, c, 'bob', 1, 2), approved(71, c, 'bob', 1, 2), rejected], ctx)[0],
    ).toMatchObject({ status: 'REJECTED', approvals: ['bob'] });
    const lying = { ...c, refs: { change_request: 'cr-71', payload_hash: 'ab'.repeat(32) } };
    expect(foldChangeRequests([lying], ctx)[0]?.status).toBe('VOIDED');
    expect(foldChangeRequests([lying], { tierAt: ctx.tierAt })[0]?.status).toBe('PENDING');
  });

  it('lists newest first, skips entries of unknown requests, and falls back to the strictest tier', () => {
    const a = created(1, 'cr-1', 'web.ui.theme', s(true, 1));
    const b = created(5, 'cr-5', 'unknown.flag.key', s(true, 1));
    const stray = leaf(6, 'change_request.applied', 'x', { refs: { change_request: 'cr-404' } });
    const list = foldChangeRequests([a, b, stray], ctx);
    expect(list.map((cr) => [cr.id, cr.tier, cr.required])).toEqual([
      ['cr-5', 'BLOCKED', 2],
      ['cr-1', 'LOW', 0],
    ]);
    expect(['LOW', 'MEDIUM', 'HIGH', 'BLOCKED'].map((t) => requiredApprovals(t as Tier))).toEqual([0, 0, 1, 2]);
  });
});
