import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { CustomerKind } from '@tandem/schema';
import { CustomerEntity } from './customer.entity.js';

/** What this party last said about the customer's identity, and when: a viewer sees the newest statement it may see. */
export interface SourceIdentity {
  readonly kind: CustomerKind;
  readonly givenName?: string;
  readonly familyName?: string;
  readonly companyName?: string;
  readonly preferredLanguage?: string;
  /** ISO 8601 instant of the statement. */
  readonly at: string;
}

/** A party's own record (party, external id) linked to the golden customer. */
export const SourceRecordEntity = defineEntity({
  name: 'SourceRecord',
  tableName: 'source_record',
  properties: {
    party: p.string().length(63).primary(),
    externalId: p.string().length(200).primary(),
    customer: () => p.manyToOne(CustomerEntity).mapToPk().deleteRule('cascade').index('source_record_customer_idx'),
    linkedAt: p.datetime(),
    identity: p.json<SourceIdentity>(),
    /**
     * `recordNameKey` of the identity statement: name search matches each party's own statement, so
     * a viewer finds a customer by the name it sees (the golden record keeps only the newest). On
     * PostgreSQL the column compares bytewise (collation "C"), as on SQLite, so a prefix is an index range.
     */
    nameKey: p.string().length(200).index('source_record_name_key_idx'),
    /** Interaction centers: the client the newest identity statement was captured for (see `controllerOf`). */
    onBehalfOf: p.string().length(63).nullable(),
    /** Soft deletion by the source (`contact.deleted`): the link stays for audit, the party no longer claims the customer. */
    deletedAt: p.datetime().nullable(),
  },
});
export type SourceRecordRow = InferEntity<typeof SourceRecordEntity>;
