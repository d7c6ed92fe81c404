import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { DataClass } from '@tandem/schema';

/**
 * One read of one customer's personal data by one principal in one request (DESIGN: "every read
 * of personal data is written to the access audit"). `customer` is deliberately not a foreign
 * key: the audit must outlive an erasure of the customer it speaks about.
 */
export const AccessAuditEntryEntity = defineEntity({
  name: 'AccessAuditEntry',
  tableName: 'access_audit',
  properties: {
    /** UUID v7: time-ordered. */
    id: p.uuid().primary(),
    at: p.datetime(),
    /** The principal's subject (user or connector name). */
    principal: p.string().length(200),
    role: p.string().length(40),
    /** The reading party. */
    party: p.string().length(63),
    /** Interaction-center agents: the client acted for. */
    actingFor: p.string().length(63).nullable(),
    customer: p.uuid(),
    /** The data classes the response actually contained, sorted. */
    dataClasses: p.json<DataClass[]>(),
    /** The sharing agreements that made them visible (empty when all of it was the party's own data), sorted. */
    agreementIds: p.json<string[]>(),
    /**
     * The grantors of `agreementIds` as `,oem,ic-riga,` (party ids hold no comma), so a party's
     * DPO finds the reads of its data by other parties with a portable LIKE.
     */
    grantors: p.text(),
    requestId: p.string().length(200),
  },
  indexes: [
    { name: 'access_audit_customer_time_idx', properties: ['customer', 'at'] },
    { name: 'access_audit_party_time_idx', properties: ['party', 'at'] },
  ],
});
export type AccessAuditEntryRow = InferEntity<typeof AccessAuditEntryEntity>;
