import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { contactLabels } from '@tandem/schema';
import { CustomerEntity } from './customer.entity.js';

/** A normalised phone (E.164) or e-mail of a golden customer; looked up by (type, value). */
export const ContactPointEntity = defineEntity({
  name: 'ContactPoint',
  tableName: 'contact_point',
  properties: {
    id: p.uuid().primary(),
    customer: () => p.manyToOne(CustomerEntity).mapToPk().deleteRule('cascade'),
    type: p.enum(['phone', 'email'] as const),
    value: p.string().length(320),
    label: p.enum([...contactLabels]),
    sourceParty: p.string().length(63),
    /** Interaction centers: the client the value was captured for, whose data it is (see `controllerOf`). */
    onBehalfOf: p.string().length(63).nullable(),
    updatedAt: p.datetime(),
  },
  uniques: [{ name: 'contact_point_customer_type_value_uq', properties: ['customer', 'type', 'value'] }],
  indexes: [{ name: 'contact_point_type_value_idx', properties: ['type', 'value'] }],
});
export type ContactPointRow = InferEntity<typeof ContactPointEntity>;

export const AddressEntity = defineEntity({
  name: 'Address',
  tableName: 'address',
  properties: {
    id: p.uuid().primary(),
    customer: () => p.manyToOne(CustomerEntity).mapToPk().deleteRule('cascade').index('address_customer_idx'),
    street: p.string().length(200),
    postalCode: p.string().length(20),
    city: p.string().length(100),
    country: p.string().length(2),
    label: p.enum([...contactLabels]),
    sourceParty: p.string().length(63),
    /** Interaction centers: the client the value was captured for, whose data it is (see `controllerOf`). */
    onBehalfOf: p.string().length(63).nullable(),
    updatedAt: p.datetime(),
  },
});
export type AddressRow = InferEntity<typeof AddressEntity>;
