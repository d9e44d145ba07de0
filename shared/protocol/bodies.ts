/**
 * Request and response bodies of the control-plane actions a console (or SDK) sends, and the headers that go with
 * them. The control plane's validators produce these shapes; the console's client builds them.
 */
import type { EnvState, RuleOp, SafeDefault } from './flags.ts';
import type { Tier } from './tier.ts';

/** Header carrying a single-use break-glass token on a gated change. */
export const BREAK_GLASS_HEADER = 'x-break-glass-token';
/** Header making an action safe to retry (same key + same request → the same reply, no second entry). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** A partial update of an EnvState. */
export type EnvPatch<Op extends string = RuleOp> = Partial<EnvState<Op>>;

/** Body of `POST /api/v1/flags/{key}/kill`. */
export interface KillRequest {
  environment: string;
  reason: string;
}

/** Reply to a kill. */
export interface KillResponse {
  killed: true;
  flag_key: string;
  environment: string;
  before: EnvState;
  after: EnvState;
  idx: number;
  action: string;
}

/** Reply to `GET /api/v1/ledger/entries/{idx}/rollback-link` (the link is signed and valid 15 minutes). */
export interface RollbackLinkResponse {
  url: string;
  method: 'POST';
  idx: number;
  flag_key: string;
  environment: string;
  expires_at: string;
  expected_current: EnvState;
  restores: EnvState;
}

/** Body of the rollback link's POST. */
export interface RollbackRequest {
  reason: string;
}

/** Reply to a rollback. */
export interface RollbackResponse {
  rolled_back: true;
  rollback_of: number;
  flag_key: string;
  before: EnvState;
  after: EnvState;
  idx: number;
  action: string;
}

/**
 * Body of `POST /api/v1/change-requests` for one environment's state (`scheduled_at` RFC 3339). A client may pass
 * through rules read from elsewhere (`StateChangeRequestBody<string>`); the control plane refuses other operators.
 */
export interface StateChangeRequestBody<Op extends string = RuleOp> extends EnvPatch<Op> {
  flag_key: string;
  operation?: 'state';
  environment: string;
  reason: string;
  scheduled_at?: string;
}

/** The definition fields a `definition` change request sets. */
export interface DefinitionFields {
  safe_default?: SafeDefault;
  tier?: Tier;
}

/** Body of `POST /api/v1/change-requests/{id}/approve`: the payload hash the approver reviewed. */
export interface ApproveRequest {
  payload_hash: string;
  comment?: string;
}

/** Body of `POST /api/v1/change-requests/{id}/reject`. */
export interface RejectRequest {
  reason: string;
}

/** Body of `POST /api/v1/break-glass/tokens`. */
export interface BreakGlassRequest {
  justification: string;
  scope: { flags: string[]; envs: string[] };
  ttl_seconds?: number;
}

/** Reply to issuing a break-glass token (the token is shown once). */
export interface BreakGlassResponse {
  token: string;
  token_id: string;
  expires_at: string;
  scope: { flags: string[]; envs: string[] };
}
