import { v7 as uuidv7 } from 'uuid';
import type { CustomerRecord, PartyId, Provenance } from '@tandem/schema';
import { NotFoundError } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { runQueries } from '../database/queries.js';
import { CustomerEntity, type CustomerRow } from './customer.entity.js';
import { AddressEntity, ContactPointEntity } from './contact-point.entity.js';
import { CustomerVehicleEntity, VehicleEntity } from './vehicle.entity.js';
import { SourceRecordEntity, type SourceIdentity } from './source-record.entity.js';
import { recordNameKey, type IdentityResolver, type MatchRule } from './identity-resolver.js';

/** How a source record reached its golden customer. */
export type LinkOutcome = 'linked' | MatchRule | 'created';

export interface GoldenRecordChange {
  readonly customerId: string;
  readonly outcome: LinkOutcome;
}

const identityFields = ['kind', 'givenName', 'familyName', 'companyName', 'preferredLanguage'] as const;

/**
 * Applies one party's view of a customer to the golden record: link by (party, external id),
 * else resolve, else create; then merge field by field. A field keeps the value of the newest
 * statement (`at`), and its provenance names the party that made it.
 */
export async function applyCustomerRecord(
  em: Em,
  resolver: IdentityResolver,
  party: PartyId,
  record: CustomerRecord,
  at: Date,
): Promise<GoldenRecordChange> {
  const link = await em.findOne(SourceRecordEntity, { party, externalId: record.externalId });
  let outcome: LinkOutcome = 'linked';
  let customer: CustomerRow | null = link ? await em.findOne(CustomerEntity, { id: link.customer }) : null;
  if (!customer) {
    const match = await resolver.resolve(em, record);
    customer = match ? await em.findOne(CustomerEntity, { id: match.customerId }) : null;
    outcome = match?.rule ?? 'created';
  }
  if (!customer) customer = createCustomer(em, record, at);
  const identity = sourceIdentity(record, at);
  if (link) {
    link.deletedAt = null;
    if (Date.parse(link.identity.at) <= at.getTime()) link.identity = identity;
  } else {
    em.create(SourceRecordEntity, { party, externalId: record.externalId, customer: customer.id, linkedAt: at, identity, deletedAt: null });
  }
  mergeIdentity(customer, party, record, at);
  await mergeContactPoints(em, customer, party, record, at);
  await mergeVehicles(em, customer, party, record, at);
  customer.updatedAt = at > customer.updatedAt ? at : customer.updatedAt;
  return { customerId: customer.id, outcome };
}

/** The party no longer claims the customer; the golden record and others' links stay. */
export async function unlinkSourceRecord(em: Em, party: PartyId, externalId: string, at: Date): Promise<string> {
  const link = await em.findOne(SourceRecordEntity, { party, externalId });
  if (!link) throw new NotFoundError('Source record', `${party}:${externalId}`);
  link.deletedAt = at;
  return link.customer;
}

/** The golden customer a party's record is linked to, if any. */
export async function customerOfSource(em: Em, party: PartyId, externalId: string): Promise<string | undefined> {
  const link = await em.findOne(SourceRecordEntity, { party, externalId, deletedAt: null });
  return link?.customer;
}

function sourceIdentity(record: CustomerRecord, at: Date): SourceIdentity {
  const identity: { -readonly [K in keyof SourceIdentity]?: SourceIdentity[K] } = { kind: record.kind, at: at.toISOString() };
  for (const field of ['givenName', 'familyName', 'companyName', 'preferredLanguage'] as const) {
    if (record[field] !== undefined) identity[field] = record[field];
  }
  return identity as SourceIdentity;
}

function createCustomer(em: Em, record: CustomerRecord, at: Date): CustomerRow {
  return em.create(CustomerEntity, {
    id: uuidv7(),
    kind: record.kind,
    givenName: null,
    familyName: null,
    companyName: null,
    nameKey: recordNameKey(record),
    preferredLanguage: null,
    provenance: {},
    createdAt: at,
    updatedAt: at,
  });
}

function isNewer(provenance: Provenance | undefined, at: Date): boolean {
  return !provenance || Date.parse(provenance.at) <= at.getTime();
}

function mergeIdentity(customer: CustomerRow, party: PartyId, record: CustomerRecord, at: Date): void {
  const provenance = { ...customer.provenance };
  for (const field of identityFields) {
    const value = record[field];
    if (value === undefined || !isNewer(provenance[field], at)) continue;
    (customer as Record<(typeof identityFields)[number], unknown>)[field] = value;
    provenance[field] = { party, at: at.toISOString() };
  }
  customer.provenance = provenance;
  customer.nameKey = recordNameKey({
    kind: customer.kind,
    familyName: customer.familyName ?? undefined,
    companyName: customer.companyName ?? undefined,
  });
}

async function mergeContactPoints(em: Em, customer: CustomerRow, party: PartyId, record: CustomerRecord, at: Date): Promise<void> {
  const wanted = [
    ...record.phones.map((phone) => ({ type: 'phone' as const, ...phone })),
    ...record.emails.map((email) => ({ type: 'email' as const, ...email })),
  ];
  if (wanted.length > 0) {
    const existing = await em.find(ContactPointEntity, { customer: customer.id });
    for (const point of wanted) {
      const found = existing.find((row) => row.type === point.type && row.value === point.value);
      if (!found) {
        em.create(ContactPointEntity, { id: uuidv7(), customer: customer.id, ...point, sourceParty: party, updatedAt: at });
      } else if (found.updatedAt <= at) {
        Object.assign(found, { label: point.label, sourceParty: party, updatedAt: at });
      }
    }
  }
  if (record.addresses.length > 0) {
    const existing = await em.find(AddressEntity, { customer: customer.id });
    for (const address of record.addresses) {
      const same = existing.find(
        (row) => row.postalCode === address.postalCode && row.street.toLowerCase() === address.street.toLowerCase() && row.country === address.country,
      );
      if (!same) em.create(AddressEntity, { id: uuidv7(), customer: customer.id, ...address, sourceParty: party, updatedAt: at });
      else if (same.updatedAt <= at) Object.assign(same, { ...address, sourceParty: party, updatedAt: at });
    }
  }
}

async function mergeVehicles(em: Em, customer: CustomerRow, party: PartyId, record: CustomerRecord, at: Date): Promise<void> {
  if (record.vehicles.length === 0) return;
  const vins = record.vehicles.map((vehicle) => vehicle.vin);
  const [vehicles, links] = await runQueries(em, [
    () => em.find(VehicleEntity, { vin: { $in: vins } }),
    () => em.find(CustomerVehicleEntity, { customer: customer.id, vehicle: { $in: vins } }),
  ]);
  for (const input of record.vehicles) {
    const vehicle = vehicles.find((row) => row.vin === input.vin);
    const facts = { brand: input.brand, model: input.model, registrationDate: input.registrationDate ?? null };
    if (!vehicle) {
      vehicles.push(em.create(VehicleEntity, { vin: input.vin, ...facts, updatedAt: at }));
    } else if (vehicle.updatedAt <= at) {
      Object.assign(vehicle, { ...facts, registrationDate: facts.registrationDate ?? vehicle.registrationDate, updatedAt: at });
    }
    const link = links.find((row) => row.vehicle === input.vin && row.relation === input.relation);
    if (!link) {
      em.create(CustomerVehicleEntity, { id: uuidv7(), customer: customer.id, vehicle: input.vin, relation: input.relation, sourceParty: party, updatedAt: at });
    }
  }
}
