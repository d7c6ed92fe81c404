import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { channels, consentPurposes } from '@tandem/schema';
import { CustomerEntity } from '../customers/customer.entity.js';

/** A consent decision with its proof; the newest per (customer, purpose, channel) is in force. */
export const ConsentEntity = defineEntity({
  name: 'Consent',
  tableName: 'consent',
  properties: {
    id: p.uuid().primary(),
    customer: () => p.manyToOne(CustomerEntity).mapToPk().deleteRule('cascade'),
    purpose: p.enum([...consentPurposes]),
    channel: p.enum([...channels]).nullable(),
    granted: p.boolean(),
    recordedAt: p.datetime(),
    recordedBy: p.string().length(63),
    proof: p.text(),
  },
  indexes: [{ name: 'consent_customer_purpose_idx', properties: ['customer', 'purpose', 'recordedAt'] }],
});
export type ConsentRow = InferEntity<typeof ConsentEntity>;
