import { v7 as uuidv7 } from 'uuid';
import type { Channel, ConsentRecord, PartyId } from '@tandem/schema';
import { TandemError } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { customerOfSource } from '../customers/golden-record.service.js';
import { ConsentEntity, type ConsentRow } from './consent.entity.js';

/**
 * Stores a consent decision a party captured, with its proof, on the golden customer its record
 * is linked to. The same statement sent again (party, purpose, channel, instant) replaces the
 * stored one instead of adding a second row.
 */
export async function recordConsent(em: Em, party: PartyId, record: ConsentRecord): Promise<ConsentRow> {
  const customerId = await customerOfSource(em, party, record.customerExternalId);
  if (!customerId) {
    throw new TandemError(
      'NOT_FOUND',
      'UNKNOWN_CUSTOMER',
      `customerExternalId: ${party} has no customer ${JSON.stringify(record.customerExternalId)}; send contact.upserted first`,
      { issues: [{ path: 'customerExternalId', message: `${party} has no customer with this id` }] },
    );
  }
  const statement = { customer: customerId, purpose: record.purpose, channel: record.channel ?? null, recordedAt: record.recordedAt, recordedBy: party };
  const existing = await em.findOne(ConsentEntity, statement);
  if (existing) {
    em.assign(existing, { granted: record.granted, proof: record.proof });
    return existing;
  }
  return em.create(ConsentEntity, { id: uuidv7(), ...statement, granted: record.granted, proof: record.proof });
}

/**
 * The decision in force for a purpose on a channel: the newest channel-specific one, else the
 * newest one for all channels; undefined when the customer never decided (no consent).
 */
export async function consentInForce(em: Em, customerId: string, purpose: ConsentRecord['purpose'], channel?: Channel): Promise<ConsentRow | undefined> {
  const rows = await em.find(
    ConsentEntity,
    channel ? { customer: customerId, purpose, $or: [{ channel }, { channel: null }] } : { customer: customerId, purpose, channel: null },
    { orderBy: { recordedAt: 'desc', id: 'desc' } },
  );
  return rows.find((row) => row.channel === channel) ?? rows.find((row) => row.channel === null);
}
