import { TandemError } from '@tandem/schema';
import type { Principal, Role } from './principal.js';

/** Roles whose principals change data through the API. A DPO audits and answers data-subject requests; it does not write CRM data. */
export const writerRoles: readonly Role[] = ['agent', 'dealer_staff', 'manager', 'integration', 'admin'];

/** Throws FORBIDDEN `ROLE_MAY_NOT_WRITE` unless the caller's role may write (credential scopes are checked by the `write` auth scope). */
export function requireWriterRole(principal: Principal): void {
  if (!writerRoles.includes(principal.role)) {
    throw new TandemError('FORBIDDEN', 'ROLE_MAY_NOT_WRITE', `the ${principal.role} role may not change data`);
  }
}

/** Throws FORBIDDEN `ROLE_REQUIRED` unless the caller has `role`. */
export function requireRole(principal: Principal, role: Role): void {
  if (principal.role !== role) throw new TandemError('FORBIDDEN', 'ROLE_REQUIRED', `only the ${role} role may do this`);
}

/** Who may read customers in bulk (the export, the every-customer subscription): a party's connectors and managers, and admins; not agents or dealer staff at their screens. */
export const bulkReaderRoles: readonly Role[] = ['integration', 'manager', 'admin'];

/** Throws FORBIDDEN `code` naming the roles that may, unless the caller's role may read in bulk. */
export function requireBulkReaderRole(principal: Principal, code: string, what: string): void {
  if (!bulkReaderRoles.includes(principal.role)) {
    throw new TandemError('FORBIDDEN', code, `the ${principal.role} role may not ${what}; roles that may: ${bulkReaderRoles.join(', ')}`);
  }
}
