import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { partyKinds, type BusinessHours } from '@tandem/schema';

export const PartyEntity = defineEntity({
  name: 'Party',
  tableName: 'party',
  properties: {
    id: p.string().length(63).primary(),
    kind: p.enum([...partyKinds]),
    name: p.string().length(200),
    country: p.string().length(2),
    timeZone: p.string().length(64),
    brands: p.json<string[]>(),
    businessHours: p.json<BusinessHours[]>(),
    /** Interaction centers: the client parties they act for. */
    clients: p.json<string[]>(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type PartyRow = InferEntity<typeof PartyEntity>;
