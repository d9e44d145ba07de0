/**
 * Carrying out a change request once approved: now (`change_request.applied`) or at its time (`schedule.created`, and
 * later `schedule.executed` by the scheduler). A state request writes its EnvState; a definition request sets its
 * fields on the current definition; an archive request tombstones the flag. The quorum is re-evaluated against the
 * flag as it is now: a flag that became stricter since the request was opened needs the stricter quorum.
 */
import { stmt } from '../db/stmt.ts';
import type { App, ActionContext } from './app.ts';
import { type ChangeRequest, type DefinitionFields, setStatus } from './change-request-repo.ts';
import { refsOf } from './cr-reject.ts';
import { recordDefinition, recordTombstone } from './definition-change.ts';
import { applyEnvChange } from './env-change.ts';
import { requireFlag } from './lookups.ts';
import { type FlagDefinition, requiredApprovals, type Tier } from '../../shared/protocol/index.ts';
import { gateTier } from './gate.ts';

/** The entry actions that carry out a request. */
export type ApplyAction = 'change_request.applied' | 'schedule.executed';

/** The definition with a request's fields set. */
export function withFields(def: FlagDefinition, fields: DefinitionFields): FlagDefinition {
  const next = { ...def, safe_default: fields.safe_default ?? def.safe_default, tier: fields.tier ?? def.tier };
  if (fields.variants !== undefined) next.variants = fields.variants;
  return next;
}

/** The approvals the request needs now: its recorded quorum, or more if the flag's gate tier rose since. */
export function currentQuorum(app: App, cr: ChangeRequest): number {
  const tier = stmt(app.db, 'SELECT tier FROM flags WHERE key = ?').pluck().get(cr.flag_key) as Tier | undefined;
  const now = tier === undefined ? 0 : requiredApprovals(gateTier(app.db, { key: cr.flag_key, tier }, cr.env).tier);
  return Math.max(cr.required_approvals, now);
}

/** Carries out the request's change as `action` with `refs`; returns the entry's index. */
export function applyRequest(
  app: App,
  ctx: ActionContext,
  cr: ChangeRequest,
  action: ApplyAction,
  refs: Record<string, string>,
): number {
  switch (cr.operation) {
    case 'state': {
      const after = cr.after;
      return applyEnvChange(app, ctx, {
        key: cr.flag_key,
        env: cr.env,
        action,
        reason: cr.reason,
        refs,
        allowNoop: true,
        next: () => after,
      }).idx;
    }
    case 'definition': {
      const rec = requireFlag(app, cr.flag_key);
      return recordDefinition(app, ctx, rec, withFields(rec.definition, cr.after), cr.reason, { action, refs });
    }
    case 'archive':
      return recordTombstone(app, ctx, requireFlag(app, cr.flag_key), cr.reason, () => ({ action, refs }), cr.id);
  }
}

/** Applies the change now (`change_request.applied`) or creates its schedule (`schedule.created`). */
export function fulfil(app: App, ctx: ActionContext, cr: ChangeRequest, approvers: string[]): void {
  if (cr.scheduled_at === null) {
    const idx = applyRequest(app, ctx, cr, 'change_request.applied', refsOf(cr));
    setStatus(app.db, cr.id, 'APPLIED', ctx.now, idx);
    return;
  }
  const scheduleId = `sch-${app.ledger.nextIdx()}`;
  stmt(
    app.db,
    "INSERT INTO schedules (id, change_request_id, run_at, approved_hash, approvers, status, created_at) VALUES (?, ?, ?, ?, ?, 'PENDING', ?)",
  ).run(scheduleId, cr.id, cr.scheduled_at, cr.payload_hash, JSON.stringify(approvers), ctx.now);
  setStatus(app.db, cr.id, 'SCHEDULED', ctx.now);
  app.ledger.append({
    ts: ctx.now,
    actor: ctx.actor,
    action: 'schedule.created',
    flag: cr.flag_key,
    env: cr.env,
    before: null,
    after: {
      schedule_id: scheduleId,
      run_at: new Date(cr.scheduled_at).toISOString(),
      payload_hash: cr.payload_hash,
      approvers,
    },
    reason: cr.reason,
    refs: { ...refsOf(cr), schedule: scheduleId },
  });
}
