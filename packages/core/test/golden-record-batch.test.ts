import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityRecordInput, customerRecordInput, parseOrThrow, type CustomerRecordInput } from '@tandem/schema';
import {
  ActivityBatch,
  ActivityEntity,
  AddressEntity,
  applyCustomerRecord,
  applyCustomerRecordsBatch,
  ContactPointEntity,
  CustomerEntity,
  CustomerVehicleEntity,
  DeterministicIdentityResolver,
  GoldenRecordBatch,
  recordActivitiesBatch,
  SourceRecordEntity,
  unlinkSourceRecord,
  upsertParty,
  VehicleEntity,
  type Em,
  type IdentityCandidates,
  type IdentityResolver,
  type Orm,
} from '@tandem/core';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';

const resolver = new DeterministicIdentityResolver();
const t = (day: number, hour = 10) => new Date(Date.UTC(2026, 2, day, hour));

type Step =
  | { readonly kind: 'upsert'; readonly party: string; readonly input: CustomerRecordInput; readonly at: Date }
  | { readonly kind: 'unlink'; readonly party: string; readonly externalId: string; readonly at: Date };

const upsert = (party: string, input: CustomerRecordInput, at: Date): Step => ({ kind: 'upsert', party, input, at });

/** Statements that exercise every rule, each depending on what earlier ones did. */
const steps: Step[] = [
  upsert('dealer-berlin', { externalId: 'B-1', givenName: 'Anna', familyName: 'Krüger', emails: [{ value: 'anna@example.de' }], phones: [{ value: '0151 11111111', label: 'mobile' }], vehicles: [{ vin: 'WVWZZZ1JZXW000001', brand: 'Nordwagen', model: 'Kometa' }] }, t(2)),
  // Phone with a compatible name: the customer the first statement created.
  upsert('oem', { externalId: 'O-1', givenName: 'Anne', familyName: 'Kruger', phones: [{ value: '+49 151 11111111', label: 'work' }], preferredLanguage: 'de' }, t(3)),
  // Same VIN, other relation and kind: no VIN match, a new company.
  upsert('dealer-berlin', { externalId: 'B-2', kind: 'company', companyName: 'Spree Logistik GmbH', vehicles: [{ vin: 'WVWZZZ1JZXW000001', brand: 'Nordwagen', model: 'Kometa', relation: 'fleet_manager' }] }, t(3)),
  // Same VIN and relation: the first customer again.
  upsert('oem', { externalId: 'O-2', familyName: 'Krüger', vehicles: [{ vin: 'WVWZZZ1JZXW000001', brand: 'Nordwagen', model: 'Kometa S', registrationDate: '2024-05-01' }] }, t(4)),
  // An older statement of B-1: adds the new e-mail, overwrites nothing newer.
  upsert('dealer-berlin', { externalId: 'B-1', givenName: 'Annemarie', familyName: 'Krüger', emails: [{ value: 'anna@example.de', label: 'home' }, { value: 'a.krueger@example.de' }] }, t(1)),
  // Two customers on one family phone: the name decides.
  upsert('dealer-berlin', { externalId: 'B-5', familyName: 'Ozola', phones: [{ value: '030 5555555' }] }, t(2)),
  upsert('dealer-berlin', { externalId: 'B-6', familyName: 'Liepa', phones: [{ value: '030 5555555' }] }, t(2, 11)),
  upsert('oem', { externalId: 'O-6', familyName: 'Liepa', givenName: 'Ilze', phones: [{ value: '+49 30 5555555' }] }, t(5)),
  // E-mail alone links, whatever the name.
  upsert('dealer-berlin', { externalId: 'B-7', familyName: 'Weber', emails: [{ value: 'shared@example.de' }], addresses: [{ street: 'Hauptstraße 1', postalCode: '10115', city: 'Berlin', country: 'DE' }, { street: 'Nebenweg 2', postalCode: '10117', city: 'Berlin', country: 'DE', label: 'work' }] }, t(2)),
  upsert('oem', { externalId: 'O-7', familyName: 'Schmidt', emails: [{ value: 'shared@example.de' }], addresses: [{ street: 'hauptstraße 1', postalCode: '10115', city: 'Berlin-Mitte', country: 'DE' }] }, t(6)),
  // Unlinked, then claimed again.
  { kind: 'unlink', party: 'oem', externalId: 'O-1', at: t(7) },
  upsert('oem', { externalId: 'O-1', givenName: 'Anne', familyName: 'Kruger', phones: [{ value: '+49 151 11111111', label: 'work' }] }, t(8)),
  { kind: 'unlink', party: 'dealer-berlin', externalId: 'B-6', at: t(8) },
];

/** The golden record as the parties' records see it, without generated ids. */
async function snapshot(orm: Orm) {
  const em = orm.em.fork() as Em;
  const links = await em.find(SourceRecordEntity, {}, { orderBy: { party: 'asc', externalId: 'asc' } });
  const name = new Map<string, string>();
  for (const link of links) if (!name.has(link.customer)) name.set(link.customer, `${link.party}:${link.externalId}`);
  const customers = await em.find(CustomerEntity, {});
  const of = (id: string) => name.get(id) ?? 'orphan';
  const byName = <T>(rows: T[], key: (row: T) => string) => rows.map((row) => [key(row), row] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    customers: byName(customers, (row) => of(row.id)).map(([key, { id: _id, ...row }]) => [key, row] as const),
    links: links.map(({ customer, ...row }) => ({ ...row, customer: of(customer) })),
    points: byName(await em.find(ContactPointEntity, {}), (row) => `${of(row.customer)}|${row.type}|${row.value}`).map(([key, { id: _id, customer: _customer, ...row }]) => [key, row] as const),
    addresses: byName(await em.find(AddressEntity, {}), (row) => `${of(row.customer)}|${row.street}`).map(([key, { id: _id, customer: _customer, ...row }]) => [key, row] as const),
    vehicleLinks: byName(await em.find(CustomerVehicleEntity, {}), (row) => `${of(row.customer)}|${row.vehicle}|${row.relation}`).map(([key, { id: _id, customer: _customer, ...row }]) => [key, row] as const),
    vehicles: await em.find(VehicleEntity, {}, { orderBy: { vin: 'asc' } }),
  };
}

describe.each(testDialects())('golden record batch on %s', (dialect) => {
  const worlds: { orm: Orm; close: () => Promise<void> }[] = [];

  async function world(): Promise<Orm> {
    const opened = await openTestOrm(dialect);
    worlds.push(opened);
    const em = opened.orm.em.fork() as Em;
    await upsertParty(em, { id: 'oem', kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin' });
    await upsertParty(em, { id: 'dealer-berlin', kind: 'dealer', name: 'Autohaus Spree GmbH', country: 'DE', timeZone: 'Europe/Berlin' });
    return opened.orm;
  }

  let sequential: Orm;
  let batched: Orm;
  const outcomes: { sequential: string[]; batched: string[] } = { sequential: [], batched: [] };

  beforeAll(async () => {
    sequential = await world();
    batched = await world();
    for (const step of steps) {
      if (step.kind === 'unlink') {
        await unlinkSourceRecord(sequential.em.fork() as Em, step.party, step.externalId, step.at);
        continue;
      }
      const record = parseOrThrow(customerRecordInput('DE'), step.input);
      const em = sequential.em.fork() as Em;
      outcomes.sequential.push((await em.transactional((tx) => applyCustomerRecord(tx as Em, resolver, step.party, record, step.at))).outcome);
    }
    await batched.em.fork().transactional(async (tx) => {
      const em = tx as Em;
      const records = steps.flatMap((step) => (step.kind === 'upsert' ? [{ party: step.party, record: parseOrThrow(customerRecordInput('DE'), step.input) }] : []));
      const batch = await GoldenRecordBatch.load(em, resolver, { records });
      let next = 0;
      for (const step of steps) {
        if (step.kind === 'unlink') await batch.unlink(step.party, step.externalId, step.at);
        else outcomes.batched.push((await batch.apply(step.party, records[next++]!.record, step.at)).outcome);
      }
      await batch.write();
    });
  });
  afterAll(async () => {
    for (const opened of worlds) await opened.close();
  });

  it('resolves and merges a batch exactly as the same statements one transaction each', async () => {
    expect(outcomes.batched).toEqual(outcomes.sequential);
    expect(outcomes.sequential).toEqual(['created', 'phone_and_name', 'created', 'vin', 'linked', 'created', 'created', 'phone_and_name', 'created', 'email', 'linked']);
    expect(await snapshot(batched)).toEqual(await snapshot(sequential));
  });

  it('lets a later record see what an earlier record of the same batch created, and keeps the newest statement of each field', async () => {
    const state = await snapshot(batched);
    const anna = state.customers.find(([key]) => key === 'dealer-berlin:B-1')?.[1];
    expect(anna).toMatchObject({ givenName: 'Anne', familyName: 'Kruger', preferredLanguage: 'de', nameKey: 'kruger' });
    expect(anna?.provenance).toMatchObject({ givenName: { party: 'oem', at: t(8).toISOString() }, preferredLanguage: { party: 'oem', at: t(3).toISOString() } });
    expect(state.links.filter((link) => link.customer === 'dealer-berlin:B-1').map((link) => `${link.party}:${link.externalId}`)).toEqual(['dealer-berlin:B-1', 'oem:O-1', 'oem:O-2']);
    expect(state.links.find((link) => link.externalId === 'O-1')).toMatchObject({ deletedAt: null, linkedAt: t(3) });
    expect(state.links.find((link) => link.externalId === 'B-6')?.deletedAt).toEqual(t(8));
    expect(state.points.filter(([key]) => key.startsWith('dealer-berlin:B-1|')).map(([key, row]) => [key.split('|')[2], row.label, row.sourceParty])).toEqual([
      ['a.krueger@example.de', 'other', 'dealer-berlin'],
      ['anna@example.de', 'other', 'dealer-berlin'],
      // The same phone stated by the dealer and by the manufacturer: each keeps its own statement.
      ['+4915111111111', 'mobile', 'dealer-berlin'],
      ['+4915111111111', 'work', 'oem'],
    ]);
    expect(state.vehicles).toEqual([expect.objectContaining({ vin: 'WVWZZZ1JZXW000001', model: 'Kometa S', registrationDate: '2024-05-01', updatedAt: t(4) })]);
    expect(state.addresses.filter(([key]) => key.startsWith('dealer-berlin:B-7|')).map(([, row]) => [row.street, row.city, row.sourceParty])).toEqual([
      // The manufacturer's statement of the dealer's address (another spelling) is the manufacturer's own row.
      ['Hauptstraße 1', 'Berlin', 'dealer-berlin'],
      ['Nebenweg 2', 'Berlin', 'dealer-berlin'],
      ['hauptstraße 1', 'Berlin-Mitte', 'oem'],
    ]);
  });

  it('reads a large batch in chunks under the database parameter limits', async () => {
    const orm = await world();
    const records = Array.from({ length: 1_200 }, (_, index) =>
      parseOrThrow(customerRecordInput('DE'), {
        externalId: `L-${index}`,
        familyName: `Lang-${index % 600}`,
        emails: [{ value: `lang.${index % 600}@example.de` }],
        vehicles: [{ vin: `WNWBK1A0N${String(index).padStart(8, '0')}`, brand: 'Nordwagen', model: 'Fjord' }],
      }),
    );
    const changes = await applyCustomerRecordsBatch(orm.em.fork() as Em, resolver, 'dealer-berlin', records.map((record) => ({ record, at: t(2) })));
    expect(changes.filter((change) => change.outcome === 'created')).toHaveLength(600);
    expect(changes.slice(600).every((change, index) => change.outcome === 'email' && change.customerId === changes[index]!.customerId)).toBe(true);
    const again = await applyCustomerRecordsBatch(orm.em.fork() as Em, resolver, 'dealer-berlin', records.map((record) => ({ record, at: t(3) })));
    expect(again.map((change) => change.outcome)).toEqual(records.map(() => 'linked'));
    expect(again.map((change) => change.customerId)).toEqual(changes.map((change) => change.customerId));
    expect(await (orm.em.fork() as Em).count(CustomerVehicleEntity, {})).toBe(1_200);
  });

  it('records activities of a batch on the customers of the same batch, a correction updating in place', async () => {
    const orm = await world();
    await orm.em.fork().transactional(async (tx) => {
      const em = tx as Em;
      const golden = await GoldenRecordBatch.load(em, resolver);
      const activities = await ActivityBatch.load(em, golden);
      const { customerId } = await golden.apply('oem', parseOrThrow(customerRecordInput('DE'), { externalId: 'O-50', familyName: 'Vogel' }), t(2));
      const activity = (subject: string, externalId = 'L-1') =>
        parseOrThrow(activityRecordInput, { externalId, customerExternalId: 'O-50', channel: 'letter', direction: 'outbound', occurredAt: '2026-03-02T09:00:00Z', subject });
      const first = await activities.record('oem', activity('Draft'), t(3));
      const corrected = await activities.record('oem', activity('Recall 24V-001'), t(4));
      expect(corrected).toBe(first);
      expect(corrected).toMatchObject({ customer: customerId, subject: 'Recall 24V-001', recordedAt: t(3) });
      await golden.apply('oem', parseOrThrow(customerRecordInput('DE'), { externalId: 'O-51', familyName: 'Specht' }), t(2));
      await golden.unlink('oem', 'O-51', t(5));
      const unlinked = parseOrThrow(activityRecordInput, { externalId: 'L-2', customerExternalId: 'O-51', channel: 'phone', direction: 'inbound', occurredAt: '2026-03-02T09:00:00Z' });
      await expect(activities.record('oem', unlinked, t(5))).rejects.toMatchObject({ code: 'UNKNOWN_CUSTOMER' });
      await golden.write();
      await activities.write();
    });
    const rows = await (orm.em.fork() as Em).find(ActivityEntity, {});
    expect(rows.map((row) => [row.externalId, row.subject])).toEqual([['L-1', 'Recall 24V-001']]);
    const [updated] = await recordActivitiesBatch(orm.em.fork() as Em, 'oem', [parseOrThrow(activityRecordInput, { externalId: 'L-1', customerExternalId: 'O-50', channel: 'letter', direction: 'outbound', occurredAt: '2026-03-02T09:00:00Z' })], t(6));
    expect(updated).toMatchObject({ id: rows[0]!.id, subject: null });
  });

  it("keeps an entity the caller's EntityManager already holds in step with what the batch wrote", async () => {
    const orm = await world();
    const { customerId } = await applyCustomerRecord(orm.em.fork() as Em, resolver, 'oem', parseOrThrow(customerRecordInput('DE'), { externalId: 'O-60', familyName: 'Fink' }), t(2));
    await orm.em.fork().transactional(async (tx) => {
      const em = tx as Em;
      const held = await em.findOneOrFail(CustomerEntity, { id: customerId });
      await applyCustomerRecord(em, resolver, 'oem', parseOrThrow(customerRecordInput('DE'), { externalId: 'O-60', familyName: 'Fink', givenName: 'Greta' }), t(3));
      expect(held.givenName).toBe('Greta');
      held.preferredLanguage = 'de';
    });
    expect(await (orm.em.fork() as Em).findOneOrFail(CustomerEntity, { id: customerId })).toMatchObject({ givenName: 'Greta', preferredLanguage: 'de', updatedAt: t(3) });
  });

  it('asks a plugged-in resolver with candidates that include the earlier records of the batch', async () => {
    const orm = await world();
    const seen: string[][] = [];
    const byPhone: IdentityResolver = {
      async resolve(record, candidates: IdentityCandidates) {
        const points = record.phones.flatMap((phone) => candidates.contactPoints('phone', phone.value));
        seen.push(points.map((point) => candidates.customer(point.customer)?.nameKey ?? '?'));
        return points[0] ? { customerId: points[0].customer, rule: 'phone_and_name' } : undefined;
      },
    };
    const records = ['Amsel', 'Drossel'].map((familyName, index) =>
      parseOrThrow(customerRecordInput('DE'), { externalId: `F-${index}`, familyName, phones: [{ value: '030 7777777' }] }),
    );
    const changes = await applyCustomerRecordsBatch(orm.em.fork() as Em, byPhone, 'dealer-berlin', records.map((record) => ({ record, at: t(2) })));
    expect(seen).toEqual([[], ['amsel']]);
    expect(changes.map((change) => change.outcome)).toEqual(['created', 'phone_and_name']);
    expect(changes[1]!.customerId).toBe(changes[0]!.customerId);
  });
});
