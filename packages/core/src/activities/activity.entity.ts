import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { channels, directions } from '@tandem/schema';
import { CustomerEntity } from '../customers/customer.entity.js';

/** One contact on any channel; unique per (party, externalId) so redelivery is idempotent. */
export const ActivityEntity = defineEntity({
  name: 'Activity',
  tableName: 'activity',
  properties: {
    id: p.uuid().primary(),
    customer: () => p.manyToOne(CustomerEntity).mapToPk().deleteRule('cascade'),
    party: p.string().length(63),
    externalId: p.string().length(200),
    channel: p.enum([...channels]),
    direction: p.enum([...directions]),
    occurredAt: p.datetime(),
    durationSeconds: p.integer().nullable(),
    subject: p.string().length(300).nullable(),
    outcome: p.string().length(300).nullable(),
    content: p.text().nullable(),
    actor: p.string().length(200).nullable(),
    onBehalfOf: p.string().length(63).nullable(),
    brand: p.string().length(80).nullable(),
    recordedAt: p.datetime(),
  },
  uniques: [{ name: 'activity_party_external_uq', properties: ['party', 'externalId'] }],
  indexes: [{ name: 'activity_customer_time_idx', properties: ['customer', 'occurredAt', 'id'] }],
});
export type ActivityRow = InferEntity<typeof ActivityEntity>;
