import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { customerKinds, type Provenance } from '@tandem/schema';

/** The golden record. Contact points, addresses, vehicles and source links hang off it by `customer`. */
export const CustomerEntity = defineEntity({
  name: 'Customer',
  tableName: 'customer',
  properties: {
    id: p.uuid().primary(),
    kind: p.enum([...customerKinds]),
    givenName: p.string().length(200).nullable(),
    familyName: p.string().length(200).nullable(),
    companyName: p.string().length(200).nullable(),
    /** `recordNameKey` of the newest family/company name, for identity matching (search reads the source records' own). */
    nameKey: p.string().length(200),
    preferredLanguage: p.string().length(35).nullable(),
    provenance: p.json<Record<string, Provenance>>(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type CustomerRow = InferEntity<typeof CustomerEntity>;
