import type { CustomerRecord } from '@tandem/schema';
import { nameKey } from '@tandem/schema';
import type { ContactPointRow } from './contact-point.entity.js';
import type { CustomerRow } from './customer.entity.js';
import type { CustomerVehicleRow } from './vehicle.entity.js';

/** Why a record was matched to an existing golden customer. */
export type MatchRule = 'vin' | 'email' | 'phone_and_name';

export interface IdentityMatch {
  readonly customerId: string;
  readonly rule: MatchRule;
}

/**
 * The stored state a resolver matches against, as of the record being resolved: what the
 * database held when the batch started plus everything earlier records of the batch changed.
 * It holds at least every contact point with one of the record's phones or e-mails, every
 * customer–vehicle link of one of its VINs, and the customers those belong to.
 */
export interface IdentityCandidates {
  customer(id: string): Readonly<CustomerRow> | undefined;
  /** Links of any customer and relation to this VIN. */
  vehicleLinks(vin: string): readonly Readonly<CustomerVehicleRow>[];
  /** Contact points of any customer with this type and normalised value. */
  contactPoints(type: 'phone' | 'email', value: string): readonly Readonly<ContactPointRow>[];
}

/**
 * Finds the golden customer an incoming record (not yet linked by party + external id) belongs
 * to. The golden record depends only on this interface, so a fuzzy engine can replace the
 * deterministic one. It is asked once per record, in the batch's order, and must not change
 * the candidates; the customer it names must exist (or a new one is created).
 */
export interface IdentityResolver {
  resolve(record: CustomerRecord, candidates: IdentityCandidates): IdentityMatch | undefined | Promise<IdentityMatch | undefined>;
}

/** The record's matching name: family name for a person, company name for a company. */
export function recordNameKey(record: Pick<CustomerRecord, 'kind' | 'familyName' | 'companyName'>): string {
  return nameKey((record.kind === 'company' ? record.companyName : record.familyName) ?? '');
}

/**
 * Exact rules, strongest first: same VIN with the same relation and customer kind; same
 * normalised e-mail; same E.164 phone with a compatible name (a shared family phone alone is
 * not enough). Where several customers qualify, the oldest (smallest UUID v7) wins; for e-mail,
 * the contact point updated longest ago.
 */
export class DeterministicIdentityResolver implements IdentityResolver {
  resolve(record: CustomerRecord, candidates: IdentityCandidates): IdentityMatch | undefined {
    return this.byVin(record, candidates) ?? this.byEmail(record, candidates) ?? this.byPhoneAndName(record, candidates);
  }

  private byVin(record: CustomerRecord, candidates: IdentityCandidates): IdentityMatch | undefined {
    for (const vehicle of record.vehicles) {
      const links = candidates.vehicleLinks(vehicle.vin).filter((link) => link.relation === vehicle.relation);
      if (links.length === 0) continue;
      const customers = customersOf(candidates, links.map((link) => link.customer)).filter((customer) => customer.kind === record.kind);
      const match = customers.find((customer) => customer.nameKey === recordNameKey(record)) ?? customers[0];
      if (match) return { customerId: match.id, rule: 'vin' };
    }
    return undefined;
  }

  private byEmail(record: CustomerRecord, candidates: IdentityCandidates): IdentityMatch | undefined {
    let first: Readonly<ContactPointRow> | undefined;
    for (const email of record.emails) {
      for (const point of candidates.contactPoints('email', email.value)) {
        if (!first || point.updatedAt < first.updatedAt || (point.updatedAt.getTime() === first.updatedAt.getTime() && point.id < first.id)) first = point;
      }
    }
    return first ? { customerId: first.customer, rule: 'email' } : undefined;
  }

  private byPhoneAndName(record: CustomerRecord, candidates: IdentityCandidates): IdentityMatch | undefined {
    const points = record.phones.flatMap((phone) => candidates.contactPoints('phone', phone.value));
    if (points.length === 0) return undefined;
    const key = recordNameKey(record);
    const match = customersOf(candidates, points.map((point) => point.customer)).find((customer) => customer.nameKey === key && customer.kind === record.kind);
    return match ? { customerId: match.id, rule: 'phone_and_name' } : undefined;
  }
}

/** The distinct customers with these ids, oldest first. */
function customersOf(candidates: IdentityCandidates, ids: readonly string[]): Readonly<CustomerRow>[] {
  return [...new Set(ids)]
    .sort()
    .flatMap((id) => candidates.customer(id) ?? []);
}
