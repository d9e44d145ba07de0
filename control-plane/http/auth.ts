/** Bearer authentication and the role → permission table (four-eyes is enforced here and in the domain, never in the UI). */
import type { IncomingMessage } from 'node:http';
import type { Sql } from '../db/sql.ts';
import { type Principal, principalForToken, type Role } from '../db/users.ts';
import { HttpError } from './errors.ts';

/** What a route requires. */
export type Permission =
  | 'read'
  | 'flags.write'
  | 'flags.kill'
  | 'flags.rollback'
  | 'break_glass.issue'
  | 'change_requests.create'
  | 'change_requests.review'
  | 'incidents.write'
  | 'telemetry.write'
  | 'admin';

const RESPONDER: Permission[] = [
  'read',
  'flags.write',
  'flags.kill',
  'flags.rollback',
  'break_glass.issue',
  'change_requests.create',
  'incidents.write',
  'telemetry.write',
];
const APPROVER: Permission[] = [
  'read',
  'flags.write',
  'change_requests.create',
  'change_requests.review',
  'incidents.write',
  'telemetry.write',
];

/** The permissions of each role. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: ['read'],
  responder: RESPONDER,
  approver: APPROVER,
  admin: [...new Set<Permission>([...RESPONDER, ...APPROVER, 'admin'])],
};

/** True when the role grants the permission. */
export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** Resolves the bearer token of a request; 401 UNAUTHENTICATED / INVALID_TOKEN. */
export async function authenticate(sql: Sql, req: IncomingMessage): Promise<Principal> {
  const header = req.headers.authorization;
  if (header === undefined || header === '') {
    throw new HttpError(
      'UNAUTHENTICATED',
      'send Authorization: Bearer <token> (create one with `npm run control-plane -- user add`)',
    );
  }
  const m = /^Bearer ([A-Za-z0-9_\-.~+/]+=*)$/.exec(header);
  const principal = m?.[1] === undefined ? null : await principalForToken(sql, m[1]);
  if (principal === null)
    throw new HttpError('INVALID_TOKEN', 'the bearer token is unknown or malformed; ask an admin for a new one');
  return principal;
}

/** Throws 403 FORBIDDEN unless the principal's role grants the permission. */
export function requirePermission(principal: Principal, permission: Permission): void {
  if (!can(principal.role, permission)) {
    throw new HttpError('FORBIDDEN', `role ${principal.role} may not do this (needs ${permission}); ask an admin`);
  }
}
