import type { PartyId } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { AccessAuditEntryEntity, type AccessAuditEntryRow } from './access-audit.entity.js';

/** Position in an audit listing: newest first, ties broken by id. */
export interface AccessAuditCursor {
  readonly at: Date;
  readonly id: string;
}

export interface AccessAuditPage {
  readonly entries: AccessAuditEntryRow[];
  readonly hasNextPage: boolean;
}

/**
 * The access audit of one customer as a party's data-protection officer may see it, newest
 * first: the reads by the party's own principals, and the reads of data the party granted to
 * others (one of the agreements used is the party's). Reads among other parties are not its business.
 */
export async function listAccessAudit(
  em: Em,
  party: PartyId,
  customerId: string,
  page: { readonly first: number; readonly after?: AccessAuditCursor },
): Promise<AccessAuditPage> {
  const cursor = page.after ? { $or: [{ at: { $lt: page.after.at } }, { at: page.after.at, id: { $lt: page.after.id } }] } : {};
  const rows = await em.find(
    AccessAuditEntryEntity,
    { $and: [{ customer: customerId }, { $or: [{ party }, { grantors: { $like: `%,${party},%` } }] }, cursor] },
    { orderBy: [{ at: 'desc' }, { id: 'desc' }], limit: page.first + 1 },
  );
  return { entries: rows.slice(0, page.first), hasNextPage: rows.length > page.first };
}
