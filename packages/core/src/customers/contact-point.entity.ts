import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { contactLabels } from '@tandem/schema';
import { CustomerEntity } from './customer.entity.js';

/** A unique index over `columns` and the row's controller (`controllerOf`: `on_behalf_of`, else `source_party`), in both dialects. */
export function controllerUnique(name: string, table: string, columns: readonly string[]): string {
  const keys = [...columns.map((column) => `"${column}"`), 'coalesce("on_behalf_of", "source_party")'];
  return `create unique index "${name}" on "${table}" (${keys.join(', ')})`;
}

/**
 * A normalised phone (E.164) or e-mail of a golden customer; looked up by (type, value). One row
 * per value and controller (`controllerOf`): the same phone stated by two parties whose data it
 * is stays two rows, each seen under its own controller's agreements, so a newer statement by
 * one never takes the value out of the other's sight.
 */
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
  uniques: [{ name: 'contact_point_controller_uq', expression: controllerUnique('contact_point_controller_uq', 'contact_point', ['customer_id', 'type', 'value']) }],
  indexes: [{ name: 'contact_point_type_value_idx', properties: ['type', 'value'] }],
});
export type ContactPointRow = InferEntity<typeof ContactPointEntity>;

/** A postal address of a golden customer: one per address and controller, as contact points. */
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
