import type { Channel, PartyId } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { RowReader } from '../database/read-rows.js';
import type { AccessScope } from '../sharing/access-scope.js';
import type { Sourced } from '../customers/customer-view.service.js';
import { ConsentEntity, type ConsentRow } from './consent.entity.js';

/** A consent decision in force, as the viewer may see it: `sourceParty` is the party that recorded it. */
export interface ConsentView extends Sourced {
  readonly id: string;
  readonly customerId: string;
  readonly purpose: ConsentRow['purpose'];
  /** Null: the decision covers every channel without a decision of its own. */
  readonly channel: Channel | null;
  readonly granted: boolean;
  readonly recordedAt: Date;
  /** How the decision was captured (call id, signed form…): the consent proof. */
  readonly proof: string;
}

/**
 * The current consent of several customers in one query: per (purpose, channel) the newest
 * decision, shown only when the viewer holds the `consent` class of the party that recorded it.
 * A newest decision the viewer may not see hides the key; an older, visible one never stands in
 * for it (a superseded "granted" must not look current). Sorted by purpose, then channel (all-channel first).
 */
export async function loadConsentViews(em: Em, scope: AccessScope, customerIds: readonly string[]): Promise<Map<string, ConsentView[]>> {
  const ids = [...new Set(customerIds)];
  const result = new Map<string, ConsentView[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return result;
  const rows = await new RowReader(em).selectIn<ConsentRow>(ConsentEntity, 'customer_id', ids, 'order by "recorded_at" desc, "id" desc');
  const current = new Map<string, ConsentRow>();
  for (const row of rows) {
    const key = `${row.customer}\u0000${row.purpose}\u0000${row.channel ?? ''}`;
    if (!current.has(key)) current.set(key, row);
  }
  for (const row of current.values()) {
    const view = consentViewOf(row, scope);
    if (view) result.get(row.customer)?.push(view);
  }
  for (const list of result.values()) {
    list.sort((a, b) => a.purpose.localeCompare(b.purpose) || (a.channel ?? '').localeCompare(b.channel ?? ''));
  }
  return result;
}

/** One stored decision as the viewer may see it (the `consent` class of the party that recorded it), or undefined. */
export function consentViewOf(row: ConsentRow, scope: AccessScope): ConsentView | undefined {
  const grant = scope.grantFor(row.recordedBy as PartyId, 'consent');
  if (!grant) return undefined;
  return {
    id: row.id,
    customerId: row.customer,
    purpose: row.purpose,
    channel: row.channel ?? null,
    // SQLite stores booleans as 0 and 1; rows read past the ORM keep them so.
    granted: Boolean(row.granted),
    recordedAt: row.recordedAt,
    proof: row.proof,
    sourceParty: row.recordedBy,
    grant,
  };
}

/** The decision a party recorded at `recordedAt` for a purpose and channel, as the viewer may see it. */
export async function findRecordedConsentView(
  em: Em,
  scope: AccessScope,
  statement: { readonly customerId: string; readonly purpose: ConsentRow['purpose']; readonly channel: Channel | null; readonly recordedAt: Date; readonly recordedBy: PartyId },
): Promise<ConsentView | undefined> {
  const row = await em.findOne(
    ConsentEntity,
    { customer: statement.customerId, purpose: statement.purpose, channel: statement.channel, recordedAt: statement.recordedAt, recordedBy: statement.recordedBy },
    { refresh: true },
  );
  return row ? consentViewOf(row, scope) : undefined;
}
