import type { CustomerRecord } from '@tandem/schema';
import { nameKey } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { ContactPointEntity } from './contact-point.entity.js';
import { CustomerEntity } from './customer.entity.js';
import { CustomerVehicleEntity } from './vehicle.entity.js';

/** Why a record was matched to an existing golden customer. */
export type MatchRule = 'vin' | 'email' | 'phone_and_name';

export interface IdentityMatch {
  readonly customerId: string;
  readonly rule: MatchRule;
}

/**
 * Finds the golden customer an incoming record (not yet linked by party + external id) belongs
 * to. The ingest pipeline depends only on this interface, so a fuzzy engine can replace the
 * deterministic one.
 */
export interface IdentityResolver {
  resolve(em: Em, record: CustomerRecord): Promise<IdentityMatch | undefined>;
}

/** The record's matching name: family name for a person, company name for a company. */
export function recordNameKey(record: Pick<CustomerRecord, 'kind' | 'familyName' | 'companyName'>): string {
  return nameKey((record.kind === 'company' ? record.companyName : record.familyName) ?? '');
}

/**
 * Exact rules, strongest first: same VIN with the same relation and customer kind; same
 * normalised e-mail; same E.164 phone with a compatible name (a shared family phone alone is
 * not enough).
 */
export class DeterministicIdentityResolver implements IdentityResolver {
  async resolve(em: Em, record: CustomerRecord): Promise<IdentityMatch | undefined> {
    return (await this.byVin(em, record)) ?? (await this.byEmail(em, record)) ?? (await this.byPhoneAndName(em, record));
  }

  private async byVin(em: Em, record: CustomerRecord): Promise<IdentityMatch | undefined> {
    for (const vehicle of record.vehicles) {
      const links = await em.find(CustomerVehicleEntity, { vehicle: vehicle.vin, relation: vehicle.relation });
      if (links.length === 0) continue;
      const customers = await em.find(CustomerEntity, { id: { $in: links.map((link) => link.customer) }, kind: record.kind });
      const match = customers.find((customer) => customer.nameKey === recordNameKey(record)) ?? customers[0];
      if (match) return { customerId: match.id, rule: 'vin' };
    }
    return undefined;
  }

  private async byEmail(em: Em, record: CustomerRecord): Promise<IdentityMatch | undefined> {
    if (record.emails.length === 0) return undefined;
    const point = await em.findOne(
      ContactPointEntity,
      { type: 'email', value: { $in: record.emails.map((email) => email.value) } },
      { orderBy: { updatedAt: 'asc' } },
    );
    return point ? { customerId: point.customer, rule: 'email' } : undefined;
  }

  private async byPhoneAndName(em: Em, record: CustomerRecord): Promise<IdentityMatch | undefined> {
    if (record.phones.length === 0) return undefined;
    const points = await em.find(ContactPointEntity, { type: 'phone', value: { $in: record.phones.map((phone) => phone.value) } });
    if (points.length === 0) return undefined;
    const key = recordNameKey(record);
    const match = await em.findOne(CustomerEntity, { id: { $in: points.map((point) => point.customer) }, nameKey: key, kind: record.kind });
    return match ? { customerId: match.id, rule: 'phone_and_name' } : undefined;
  }
}
