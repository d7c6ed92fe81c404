import { v7 as uuidv7 } from 'uuid';
import type { ActivityRecord, PartyId } from '@tandem/schema';
import { TandemError } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { customerOfSource } from '../customers/golden-record.service.js';
import { ActivityEntity, type ActivityRow } from './activity.entity.js';

/**
 * Stores a party's activity on the golden customer its record is linked to. Idempotent:
 * the same (party, externalId) updates the stored activity (a correction), never duplicates it.
 */
export async function recordActivity(em: Em, party: PartyId, record: ActivityRecord, at: Date): Promise<ActivityRow> {
  const customerId = await customerOfSource(em, party, record.customerExternalId);
  if (!customerId) {
    throw new TandemError(
      'NOT_FOUND',
      'UNKNOWN_CUSTOMER',
      `customerExternalId: ${party} has no customer ${JSON.stringify(record.customerExternalId)}; send contact.upserted first`,
      { issues: [{ path: 'customerExternalId', message: `${party} has no customer with this id` }] },
    );
  }
  const facts = {
    customer: customerId,
    channel: record.channel,
    direction: record.direction,
    occurredAt: record.occurredAt,
    durationSeconds: record.durationSeconds ?? null,
    subject: record.subject ?? null,
    outcome: record.outcome ?? null,
    content: record.content ?? null,
    actor: record.actor ?? null,
    onBehalfOf: record.onBehalfOf ?? null,
    brand: record.brand ?? null,
  };
  const existing = await em.findOne(ActivityEntity, { party, externalId: record.externalId });
  if (existing) {
    em.assign(existing, facts);
    return existing;
  }
  return em.create(ActivityEntity, { id: uuidv7(), party, externalId: record.externalId, ...facts, recordedAt: at });
}
