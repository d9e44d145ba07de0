/**
 * Executes approved scheduled changes when due. The approval bound the payload hash and the scheduled time; if the
 * request's payload (or time) no longer hashes to what was approved — edited through the API or behind its back —
 * execution is refused and the refusal is itself a ledger entry (`schedule.blocked`) plus an alert to the approvers.
 */
import { stmt } from '../db/stmt.ts';
import { type ActionContext, type App, SCHEDULER } from './app.ts';
import { type ChangeRequest, hashOf, requireChangeRequest, setStatus } from './change-request-repo.ts';
import { applyRequest, currentQuorum } from './cr-apply.ts';
import { toDomainError } from './errors.ts';

interface ScheduleRow {
  id: string;
  change_request_id: string;
  run_at: number;
  approved_hash: string;
  approvers: string;
}

/** Runs every due schedule (each in its own transaction); returns how many were handled. */
export function runDueSchedules(app: App, now: number): number {
  const due = stmt(
    app.db,
    "SELECT id, change_request_id, run_at, approved_hash, approvers FROM schedules WHERE status = 'PENDING' AND run_at <= ? ORDER BY run_at, id",
  ).all(now) as ScheduleRow[];
  for (const s of due) {
    const ctx: ActionContext = { actor: SCHEDULER, now };
    // Each schedule runs exactly once: the status is read again inside the transaction, after any other instance's
    // scheduler that picked it too has committed (on PostgreSQL writing transactions take the ledger's sequence row
    // first, so they run one after another).
    try {
      app.store.tx(() => {
        if (stillPending(app, s.id)) execute(app, ctx, s);
      });
    } catch (err) {
      app.store.tx(() => {
        if (!stillPending(app, s.id)) return;
        block(
          app,
          ctx,
          s,
          requireChangeRequest(app.db, s.change_request_id),
          `execution failed: ${toDomainError(err).message}`,
        );
      });
    }
  }
  return due.length;
}

function stillPending(app: App, id: string): boolean {
  return stmt(app.db, 'SELECT status FROM schedules WHERE id = ?').pluck().get(id) === 'PENDING';
}

function operationRef(cr: ChangeRequest): Record<string, string> {
  return cr.operation === 'state' ? {} : { operation: cr.operation };
}

function execute(app: App, ctx: ActionContext, s: ScheduleRow): void {
  const cr = requireChangeRequest(app.db, s.change_request_id);
  const actual = hashOf(cr);
  if (actual !== s.approved_hash || cr.payload_hash !== s.approved_hash) {
    block(app, ctx, s, cr, 'the change was edited after approval: its payload hash no longer matches the approved one');
    return;
  }
  // The approvals were enough when given; a flag that became stricter since (a higher tier, or a new dependent of a
  // higher tier) needs its own quorum, so the schedule does not carry an old, smaller approval past it.
  const approvers = (JSON.parse(s.approvers) as string[]).length;
  const needed = currentQuorum(app, cr);
  if (approvers < needed) {
    block(app, ctx, s, cr, `${cr.flag_key} now needs ${needed} approvals and this schedule has ${approvers}`);
    return;
  }
  const refs = { schedule: s.id, change_request: cr.id, payload_hash: s.approved_hash, ...operationRef(cr) };
  const idx = applyRequest(app, ctx, cr, 'schedule.executed', refs);
  stmt(app.db, "UPDATE schedules SET status = 'EXECUTED' WHERE id = ?").run(s.id);
  setStatus(app.db, cr.id, 'APPLIED', ctx.now, idx);
}

function block(app: App, ctx: ActionContext, s: ScheduleRow, cr: ChangeRequest, reason: string): void {
  const actual = hashOf(cr);
  stmt(app.db, "UPDATE schedules SET status = 'BLOCKED' WHERE id = ?").run(s.id);
  setStatus(app.db, cr.id, 'BLOCKED', ctx.now);
  app.ledger.append({
    ts: ctx.now,
    actor: ctx.actor,
    action: 'schedule.blocked',
    flag: cr.flag_key,
    env: cr.env,
    before: null,
    after: { schedule_id: s.id, approved_payload_hash: s.approved_hash, actual_payload_hash: actual },
    reason,
    refs: { schedule: s.id, change_request: cr.id, ...operationRef(cr) },
  });
  const approvers = JSON.parse(s.approvers) as string[];
  app.store.afterCommit(() =>
    app.notifier.send({
      event: 'schedule.blocked',
      severity: 'warning',
      ts: new Date(ctx.now).toISOString(),
      dedup_key: s.id,
      summary: `Scheduled change ${cr.id} on ${cr.flag_key} (${cr.env ?? 'all environments'}) was blocked: ${reason}`,
      details: {
        schedule: s.id,
        change_request: cr.id,
        flag: cr.flag_key,
        env: cr.env,
        approvers: approvers.join(', '),
      },
    }),
  );
}

/** Polls for due schedules every `intervalMs`; returns a stop function. */
export function startScheduler(app: App, intervalMs: number, log: (line: string) => void): () => void {
  const timer = setInterval(() => {
    try {
      runDueSchedules(app, app.clock());
    } catch (err) {
      log(`scheduler: ${err instanceof Error ? err.message : String(err)}`);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
