// Role-based permissions: one table saying which role may do what, and the guard that enforces it.

import { ParleyError } from '../domain/index.js';
import type { Principal, Role } from '../domain/index.js';

/** Everything a request may need permission for. */
export type Permission =
  'chat' | 'sessions:own' | 'audit:read' | 'metrics:read' | 'keys:manage' | 'sessions:purge-any' | 'config:reload';

/** Every permission, in display order. */
export const PERMISSIONS: readonly Permission[] = [
  'chat',
  'sessions:own',
  'audit:read',
  'metrics:read',
  'keys:manage',
  'sessions:purge-any',
  'config:reload',
];

/**
 * The permission table. Auditors deliberately cannot chat: separation of duties means the people who
 * review the trail are not generating the traffic in it (give a person two keys if they need both).
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  user: new Set<Permission>(['chat', 'sessions:own']),
  auditor: new Set<Permission>(['audit:read', 'metrics:read']),
  admin: new Set<Permission>(PERMISSIONS),
};

const ROLE_ORDER: readonly Role[] = ['user', 'auditor', 'admin'];

/** True when `role` grants `permission`. */
export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role]?.has(permission) ?? false;
}

/** The roles that grant `permission`, e.g. ['auditor', 'admin'] for audit:read. */
export function rolesWith(permission: Permission): Role[] {
  return ROLE_ORDER.filter((role) => can(role, permission));
}

/**
 * Throws ParleyError('forbidden') unless the principal's role grants `permission`; the message says
 * which role the caller has and which roles would do.
 */
export function requirePermission(principal: Principal, permission: Permission): void {
  if (can(principal.role, permission)) return;
  const needed = rolesWith(permission);
  const who = principal.via === 'oidc' ? 'This token' : 'This key';
  throw new ParleyError(
    'forbidden',
    `${who} has role "${principal.role}"; ${permission} needs role ${needed.join(' or ')}`,
  );
}
