/**
 * The control-plane client: one function per action of the protocol (docs/protocol.md; paths and bodies from
 * shared/protocol/). Every
 * action carries an idempotency key; errors keep the server's code and message. Each function
 * returns how to find the resulting ledger entry, so the round trip can be measured.
 */
import type { BreakGlassInput, BreakGlassToken, ChangeRequestInput } from '../../shared/ipc/contract.ts';
import {
  BREAK_GLASS_HEADER,
  PATHS,
  pathTo,
  type FleetAppliedReport,
  type ApproveRequest,
  type BreakGlassRequest,
  type KillRequest,
  type RejectRequest,
  type RollbackRequest,
  type StateChangeRequestBody,
} from '../../shared/protocol/index.ts';
import { AppError } from '../ipc/app-error.ts';
import { callApi, type ClientTarget } from './http.ts';

/** How to recognise the ledger entry an action produced. */
export type EntryLocator =
  { kind: 'idx'; idx: number } | { kind: 'match'; action: string; refKey: string; refValue: string };

/** What an action call returns: the locator and the server's reply. */
export interface ActionResult {
  locator: EntryLocator;
  reply: Record<string, unknown>;
}

function record(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError(
      'E_CONTROL_PLANE_PROTOCOL',
      'The control plane answered with an unexpected shape; nothing was confirmed. Check that client and control plane speak the same protocol version.',
    );
  }
  return body as Record<string, unknown>;
}

function idxOf(reply: Record<string, unknown>, field = 'idx'): EntryLocator {
  const idx = reply[field];
  if (typeof idx !== 'number' || !Number.isSafeInteger(idx))
    throw new AppError(
      'E_CONTROL_PLANE_PROTOCOL',
      `The control plane's reply has no ledger ${field}; the action may have been applied. Check the ledger.`,
    );
  return { kind: 'idx', idx };
}

function crId(reply: Record<string, unknown>): string {
  const id = reply['id'];
  if (typeof id !== 'string')
    throw new AppError('E_CONTROL_PLANE_PROTOCOL', 'The change request reply has no id; check the approvals queue.');
  return id;
}

/** Acknowledges or resolves an incident (a ledger entry `incident.acknowledged` / `incident.resolved`). */
export async function transitionIncident(
  t: ClientTarget,
  key: string,
  to: 'acknowledge' | 'resolve',
  args: { id: string; note?: string },
): Promise<ActionResult> {
  const reply = record(
    await callApi(t, {
      method: 'POST',
      path: `/api/v1/incidents/${encodeURIComponent(args.id)}/${to}`,
      body: args.note ? { note: args.note } : {},
      idempotencyKey: key,
    }),
  );
  return {
    locator: {
      kind: 'match',
      action: to === 'acknowledge' ? 'incident.acknowledged' : 'incident.resolved',
      refKey: 'incident',
      refValue: args.id,
    },
    reply,
  };
}

/** Kill switch: flip the flag to its safe default in one environment. */
export async function kill(
  t: ClientTarget,
  key: string,
  args: { flag: string; env: string; reason: string; breakGlassToken?: string },
): Promise<ActionResult> {
  const headers: Record<string, string> = args.breakGlassToken ? { [BREAK_GLASS_HEADER]: args.breakGlassToken } : {};
  const reply = record(
    await callApi(t, {
      method: 'POST',
      path: pathTo('kill', { key: args.flag }),
      body: { environment: args.env, reason: args.reason } satisfies KillRequest,
      headers,
      idempotencyKey: key,
    }),
  );
  return { locator: idxOf(reply), reply };
}

/** Rollback of one ledger entry: fetch the signed link (15 minutes, compare-and-swap), then apply it. */
export async function rollback(
  t: ClientTarget,
  key: string,
  args: { idx: number; reason: string; breakGlassToken?: string },
): Promise<ActionResult> {
  const link = record(await callApi(t, { method: 'GET', path: pathTo('rollbackLink', { idx: args.idx }) }));
  const url = link['url'];
  if (typeof url !== 'string' || new URL(url, t.url).origin !== new URL(t.url).origin) {
    throw new AppError(
      'E_ROLLBACK_LINK_FOREIGN',
      'The rollback link does not point at the connected control plane; it was not followed.',
    );
  }
  const u = new URL(url, t.url);
  const headers: Record<string, string> = args.breakGlassToken ? { [BREAK_GLASS_HEADER]: args.breakGlassToken } : {};
  const reply = record(
    await callApi(t, {
      method: 'POST',
      path: u.pathname + u.search,
      body: { reason: args.reason } satisfies RollbackRequest,
      headers,
      idempotencyKey: key,
    }),
  );
  return { locator: idxOf(reply), reply };
}

/** Creates a change request (four-eyes), optionally scheduled. */
export async function createChangeRequest(
  t: ClientTarget,
  key: string,
  input: ChangeRequestInput,
): Promise<ActionResult> {
  const { enabled, rollout_pct, variation, rules, prerequisites } = input.after;
  const body: StateChangeRequestBody<string> = {
    flag_key: input.flag,
    environment: input.env,
    enabled,
    rollout_pct,
    variation,
    rules,
    prerequisites,
    reason: input.reason,
  };
  if (input.scheduledAt) body.scheduled_at = input.scheduledAt;
  const reply = record(await callApi(t, { method: 'POST', path: pathTo('changeRequests'), body, idempotencyKey: key }));
  return {
    locator: { kind: 'match', action: 'change_request.created', refKey: 'change_request', refValue: crId(reply) },
    reply,
  };
}

/** Approves a change request with the payload hash the reviewer saw. */
export async function approveChangeRequest(
  t: ClientTarget,
  key: string,
  args: { id: string; payloadHash: string },
): Promise<ActionResult> {
  const reply = record(
    await callApi(t, {
      method: 'POST',
      path: pathTo('approve', { id: args.id }),
      body: { payload_hash: args.payloadHash } satisfies ApproveRequest,
      idempotencyKey: key,
    }),
  );
  return {
    locator: { kind: 'match', action: 'change_request.approved', refKey: 'change_request', refValue: args.id },
    reply,
  };
}

/** Rejects a change request with a reason. */
export async function rejectChangeRequest(
  t: ClientTarget,
  key: string,
  args: { id: string; reason: string },
): Promise<ActionResult> {
  const reply = record(
    await callApi(t, {
      method: 'POST',
      path: pathTo('reject', { id: args.id }),
      body: { reason: args.reason } satisfies RejectRequest,
      idempotencyKey: key,
    }),
  );
  return {
    locator: { kind: 'match', action: 'change_request.rejected', refKey: 'change_request', refValue: args.id },
    reply,
  };
}

/** Issues a single-use break-glass token (announced to every console and webhook by the control plane). */
export async function issueBreakGlass(t: ClientTarget, key: string, input: BreakGlassInput): Promise<BreakGlassToken> {
  const reply = record(
    await callApi(t, {
      method: 'POST',
      path: pathTo('breakGlassTokens'),
      idempotencyKey: key,
      body: {
        justification: input.justification,
        scope: { flags: input.flags, envs: input.envs },
        ttl_seconds: input.ttlMinutes * 60,
      } satisfies BreakGlassRequest,
    }),
  );
  const { token, token_id: tokenId, expires_at: expiresAt } = reply;
  if (typeof token !== 'string' || typeof tokenId !== 'string' || typeof expiresAt !== 'string') {
    throw new AppError(
      'E_CONTROL_PLANE_PROTOCOL',
      'The break-glass reply is missing the token; it may have been issued. Check the ledger for break_glass.issued.',
    );
  }
  return { token, tokenId, expiresAt };
}

/**
 * Which SDK instances of `environment` applied the ledger entry `idx` (`GET /api/v1/sdk/fleet/applied`), checked for
 * shape: a reply the console cannot read is E_CONTROL_PLANE_PROTOCOL, never taken as "applied".
 */
export async function fleetApplied(t: ClientTarget, environment: string, idx: number): Promise<FleetAppliedReport> {
  const q = new URLSearchParams({ environment, idx: String(idx) });
  const body = record(
    await callApi(t, { method: 'GET', path: `${PATHS.sdkFleetApplied}?${q.toString()}`, timeoutMs: 3000 }),
  );
  const count = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  const msOrNull = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isFinite(v));
  const instances = body['instances'];
  const ok =
    body['environment'] === environment &&
    body['idx'] === idx &&
    count(body['k']) &&
    count(body['n']) &&
    (body['k'] as number) <= (body['n'] as number) &&
    typeof body['committed_at'] === 'string' &&
    typeof body['generated_at'] === 'string' &&
    msOrNull(body['p50_ms']) &&
    msOrNull(body['max_ms']) &&
    Array.isArray(instances) &&
    instances.length === body['n'] &&
    instances.every((i: unknown) => {
      const r = i as Record<string, unknown> | null;
      return (
        typeof r === 'object' &&
        r !== null &&
        typeof r['instance_id'] === 'string' &&
        typeof r['service'] === 'string' &&
        typeof r['host'] === 'string' &&
        typeof r['state'] === 'string' &&
        typeof r['stale'] === 'boolean' &&
        (r['applied_at'] === null || typeof r['applied_at'] === 'string') &&
        msOrNull(r['ms'])
      );
    });
  if (!ok)
    throw new AppError(
      'E_CONTROL_PLANE_PROTOCOL',
      `The control plane's fleet report for entry #${idx} has an unexpected shape, so which SDK instances applied it is unknown. Check that client and control plane speak the same protocol version.`,
    );
  return body as unknown as FleetAppliedReport;
}
