import { z } from 'zod';
import type { CountryCode } from 'libphonenumber-js/max';
import { externalId, hubId, instant, languageTag, partyId, personName } from '../common/common.contract.js';
import { emailContact, phoneContact, phoneContactInput, postalAddress } from './contact-point.contract.js';
import { vehicle } from './vehicle.contract.js';

export const customerKinds = ['person', 'company'] as const;
export const customerKind = z.enum(customerKinds);
export type CustomerKind = z.infer<typeof customerKind>;

/**
 * A customer as one party knows it. Phones in national format are read in `defaultRegion`
 * (the sending party's country unless a contact point names its own region).
 */
export function customerRecordInput(defaultRegion?: CountryCode) {
  return z
    .object({
      externalId,
      kind: customerKind.default('person'),
      givenName: personName.optional(),
      familyName: personName.optional(),
      companyName: personName.optional(),
      preferredLanguage: languageTag.optional(),
      phones: z.array(phoneContactInput(defaultRegion)).max(20).default([]),
      emails: z.array(emailContact).max(20).default([]),
      addresses: z.array(postalAddress).max(10).default([]),
      vehicles: z.array(vehicle).max(100).default([]),
      /**
       * Interaction centers (required from them): the client party this record was captured for.
       * The values are then the client's data, shared under the client's agreements.
       */
      onBehalfOf: partyId.optional(),
    })
    .superRefine((value, ctx) => {
      if (value.kind === 'person' && !value.familyName) {
        ctx.addIssue({ code: 'custom', path: ['familyName'], message: 'is required for a person' });
      }
      if (value.kind === 'company' && !value.companyName) {
        ctx.addIssue({ code: 'custom', path: ['companyName'], message: 'is required for a company' });
      }
    })
    .overwrite((value) => ({
      ...value,
      // `0151 2345678` and `+49 151 2345678` are one number once normalised: keep the first mention.
      phones: uniqueBy(value.phones, (phone) => phone.value),
      emails: uniqueBy(value.emails, (email) => email.value),
      vehicles: uniqueBy(value.vehicles, (vehicle) => `${vehicle.vin}/${vehicle.relation}`),
    }));
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  // Most records name at most one of each: nothing to compare, no set to build.
  if (items.length < 2) return items;
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
export type CustomerRecord = z.output<ReturnType<typeof customerRecordInput>>;
export type CustomerRecordInput = z.input<ReturnType<typeof customerRecordInput>>;

/** A party no longer claims one of its records; an interaction center names the client it captured it for. */
export const customerRecordDeletion = z.object({
  externalId,
  /** Interaction centers (required from them): the client party the record was captured for. */
  onBehalfOf: partyId.optional(),
});
export type CustomerRecordDeletion = z.output<typeof customerRecordDeletion>;

/** Which party said a field's current value, and when. */
export const provenance = z.object({ party: partyId, at: z.iso.datetime({ offset: true }) });
export type Provenance = z.infer<typeof provenance>;

/** The golden record: one customer across all parties. */
export const goldenCustomer = z.object({
  id: hubId,
  kind: customerKind,
  givenName: z.string().nullable(),
  familyName: z.string().nullable(),
  companyName: z.string().nullable(),
  preferredLanguage: z.string().nullable(),
  phones: z.array(phoneContact),
  emails: z.array(emailContact),
  addresses: z.array(postalAddress),
  vehicles: z.array(vehicle),
  /** Keyed by field (`givenName`, `phone:+4930…`, `vehicle:WVW…`). */
  provenance: z.record(z.string(), provenance),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type GoldenCustomer = z.output<typeof goldenCustomer>;

/** Link from a party's own record to the golden customer. */
export const sourceRecord = z.object({
  party: partyId,
  externalId,
  customerId: hubId,
  linkedAt: instant,
});
export type SourceRecord = z.output<typeof sourceRecord>;
