import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerRecordInput, parseOrThrow, type CustomerRecordInput } from '@tandem/schema';
import {
  AccessScope,
  applyCustomerRecord,
  customerByPhone,
  DeterministicIdentityResolver,
  grantSharing,
  loadCustomerViews,
  loadTimeline,
  recordActivity,
  searchCustomers,
  upsertParty,
  type Em,
  type Orm,
} from '@tandem/core';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';

const resolver = new DeterministicIdentityResolver();

describe.each(testDialects())('golden record on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    const em = orm.em.fork() as Em;
    await upsertParty(em, { id: 'oem', kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin', brands: ['Nordwagen'] });
    await upsertParty(em, { id: 'dealer-riga', kind: 'dealer', name: 'Auto Rīga SIA', country: 'LV', timeZone: 'Europe/Riga' });
    await upsertParty(em, { id: 'dealer-aarhus', kind: 'dealer', name: 'Århus Bilcenter', country: 'DK', timeZone: 'Europe/Copenhagen' });
    await grantSharing(em, { grantor: 'oem', grantee: 'dealer-riga', dataClasses: ['identity', 'contact', 'vehicles', 'activities'], purpose: 'service', validFrom: '2020-01-01T00:00:00Z' });
  });
  afterAll(() => close());

  async function apply(party: string, region: 'DE' | 'LV' | 'DK', input: CustomerRecordInput, at = new Date()) {
    const em = orm.em.fork() as Em;
    const record = parseOrThrow(customerRecordInput(region), input);
    const change = await em.transactional((tx) => applyCustomerRecord(tx as Em, resolver, party, record, at));
    return change;
  }

  it('links the same person from two parties by phone and compatible name, keeping provenance', async () => {
    const first = await apply('dealer-riga', 'LV', {
      externalId: 'R-1', givenName: 'Jānis', familyName: 'Bērziņš', phones: [{ value: '2612 3456', label: 'mobile' }],
      vehicles: [{ vin: 'YV1LW5545V2345678', brand: 'Nordwagen', model: 'Kometa' }],
    }, new Date('2026-01-01T10:00:00Z'));
    const second = await apply('oem', 'DE', {
      externalId: 'OEM-77', givenName: 'Janis', familyName: 'Berzins', phones: [{ value: '+371 26 123 456' }], preferredLanguage: 'lv',
    }, new Date('2026-01-02T10:00:00Z'));
    expect(first.outcome).toBe('created');
    expect(second).toEqual({ customerId: first.customerId, outcome: 'phone_and_name' });

    const em = orm.em.fork() as Em;
    const own = await AccessScope.load(em, { party: 'dealer-riga' });
    const view = (await loadCustomerViews(em, own, [first.customerId])).get(first.customerId);
    expect(view).toMatchObject({ givenName: 'Janis', familyName: 'Berzins', preferredLanguage: 'lv' });
    expect(view?.phones).toEqual([{ value: '+37126123456', label: 'other', sourceParty: 'oem', onBehalfOf: null, grant: expect.objectContaining({ kind: 'agreement' }) }]);
    expect(view?.sources).toEqual([{ party: 'dealer-riga', externalId: 'R-1', onBehalfOf: null }, { party: 'oem', externalId: 'OEM-77', onBehalfOf: null }]);
  });

  it('shows a party without an agreement nothing, and only the agreed data classes to a grantee', async () => {
    const change = await apply('oem', 'DE', {
      externalId: 'OEM-88', givenName: 'Jürgen', familyName: 'Straße', emails: [{ value: 'Juergen.Strasse@Example.de' }],
    });
    const em = orm.em.fork() as Em;
    await em.transactional((tx) =>
      recordActivity(tx as Em, 'oem', { externalId: 'L-1', customerExternalId: 'OEM-88', channel: 'letter', direction: 'outbound', occurredAt: new Date('2026-02-01T09:00:00Z'), subject: 'Recall 24V-001', content: 'Sehr geehrter Herr Straße, …' }, new Date()),
    );
    const aarhus = await AccessScope.load(em, { party: 'dealer-aarhus' });
    expect((await loadCustomerViews(em, aarhus, [change.customerId])).size).toBe(0);
    expect((await loadTimeline(em, aarhus, change.customerId, { first: 10 })).activities).toEqual([]);

    const riga = await AccessScope.load(em, { party: 'dealer-riga' });
    const [letter] = (await loadTimeline(em, riga, change.customerId, { first: 10 })).activities;
    expect(letter).toMatchObject({ subject: 'Recall 24V-001', content: null, sourceParty: 'oem' });

    const found = await searchCustomers(em, riga, 'juergen.strasse@example.de', { limit: 5 });
    expect(found.customers.map((customer) => customer.id)).toEqual([change.customerId]);
    expect((await searchCustomers(em, aarhus, 'juergen.strasse@example.de', { limit: 5 })).customers).toEqual([]);
  });

  it("keeps each party's statement of a shared phone, and finds a customer only through phones and names the viewer sees", async () => {
    const first = await apply('dealer-aarhus', 'DK', {
      externalId: 'A-1', givenName: 'Mette', familyName: 'Holm', phones: [{ value: '+45 20 12 34 56', label: 'mobile' }, { value: '+45 30 98 76 54', label: 'home' }],
    }, new Date('2026-03-01T10:00:00Z'));
    const second = await apply('oem', 'DE', {
      externalId: 'OEM-99', givenName: 'Mette', familyName: 'Holm', phones: [{ value: '+45 20 12 34 56', label: 'work' }],
    }, new Date('2026-03-02T10:00:00Z'));
    expect(second).toEqual({ customerId: first.customerId, outcome: 'phone_and_name' });

    const em = orm.em.fork() as Em;
    const aarhus = await AccessScope.load(em, { party: 'dealer-aarhus' });
    const riga = await AccessScope.load(em, { party: 'dealer-riga' });
    // The manufacturer's newer statement of the shared phone does not take it out of the dealer's sight.
    expect((await loadCustomerViews(em, aarhus, [first.customerId])).get(first.customerId)?.phones).toEqual([
      { value: '+4520123456', label: 'mobile', sourceParty: 'dealer-aarhus', onBehalfOf: null, grant: { kind: 'own' } },
      { value: '+4530987654', label: 'home', sourceParty: 'dealer-aarhus', onBehalfOf: null, grant: { kind: 'own' } },
    ]);
    expect((await loadCustomerViews(em, riga, [first.customerId])).get(first.customerId)?.phones).toEqual([
      { value: '+4520123456', label: 'work', sourceParty: 'oem', onBehalfOf: null, grant: expect.objectContaining({ kind: 'agreement' }) },
    ]);
    // Riga sees the customer through the manufacturer, but not the home number only Aarhus holds: it finds nobody by it.
    expect((await searchCustomers(em, riga, '+45 20 12 34 56', { limit: 5 })).customers.map((customer) => customer.id)).toEqual([first.customerId]);
    expect((await searchCustomers(em, riga, '+45 30 98 76 54', { limit: 5 })).customers).toEqual([]);
    expect(await customerByPhone(em, { party: 'dealer-riga' }, '+4520123456')).toBe(first.customerId);
    expect(await customerByPhone(em, { party: 'dealer-riga' }, '+4530987654')).toBeUndefined();
    expect(await customerByPhone(em, { party: 'dealer-aarhus' }, '+4530987654')).toBe(first.customerId);

    // Aarhus renames her: the golden record's newest name is one Riga does not see, so Riga does not find her by it.
    await apply('dealer-aarhus', 'DK', { externalId: 'A-1', givenName: 'Mette', familyName: 'Holm-Jensen' }, new Date('2026-03-03T10:00:00Z'));
    expect((await searchCustomers(em, aarhus, 'Holm-Jensen', { limit: 5 })).customers.map((customer) => customer.id)).toEqual([first.customerId]);
    expect((await searchCustomers(em, riga, 'Holm-Jensen', { limit: 5 })).customers).toEqual([]);
    // …and still finds her by the manufacturer's statement of her name, the one it sees.
    expect((await searchCustomers(em, riga, 'Mette Holm', { limit: 5 })).customers.map((customer) => [customer.id, customer.familyName])).toEqual([[first.customerId, 'Holm']]);
  });

  it('finds customers by VIN, national-format phone and diacritics-insensitive name', async () => {
    const em = orm.em.fork() as Em;
    const riga = await AccessScope.load(em, { party: 'dealer-riga' });
    const byVin = await searchCustomers(em, riga, 'yv1lw5545v2345678', { limit: 5 });
    const byPhone = await searchCustomers(em, riga, '26 12 34 56', { region: 'LV', limit: 5 });
    const byName = await searchCustomers(em, riga, 'Janis Berzins', { limit: 5 });
    expect(byVin.kind).toBe('vin');
    expect(byPhone.kind).toBe('phone');
    expect(byName.kind).toBe('name');
    for (const result of [byVin, byPhone, byName]) expect(result.customers).toHaveLength(1);
  });
});
