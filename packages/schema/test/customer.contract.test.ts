import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  customerRecordInput,
  goldenCustomer,
  parseOrThrow,
  provenance,
  sourceRecord,
  ValidationError,
  type ContactLabel,
  type CountryCode,
  type CustomerRecord,
  type CustomerRecordInput,
  type EmailContact,
  type FieldIssue,
  type GoldenCustomer,
  type PhoneContact,
  type PostalAddress,
  type Vehicle,
} from '../src/index.js';

function customerIssues(region: CountryCode | undefined, input: CustomerRecordInput): FieldIssue[] {
  try {
    parseOrThrow(customerRecordInput(region), input);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  return expect.unreachable(`${JSON.stringify(input)} was accepted`);
}

const juergen: CustomerRecordInput = {
  externalId: 'KD-2024-000123',
  givenName: 'Jürgen',
  familyName: 'Müller',
  preferredLanguage: 'de-de',
  phones: [
    { value: '030 12345678', label: 'home' },
    { value: '0151 23456789', label: 'mobile' },
  ],
  emails: [{ value: ' Juergen.Mueller@Web.DE ', label: 'home' }],
  addresses: [{ street: 'Friedrichstraße 123', postalCode: '10117', city: 'Berlin', country: 'DE' }],
  vehicles: [{ vin: 'wvw-zzz1jz-3w386752', brand: 'Volkswagen', model: 'Golf', registrationDate: '2021-04-30' }],
};

describe('customer record input', () => {
  it('normalises a German person as the Berlin dealer sends it', () => {
    expect(customerRecordInput('DE').parse(juergen)).toEqual({
      externalId: 'KD-2024-000123',
      kind: 'person',
      givenName: 'Jürgen',
      familyName: 'Müller',
      preferredLanguage: 'de-DE',
      phones: [
        { value: '+493012345678', label: 'home' },
        { value: '+4915123456789', label: 'mobile' },
      ],
      emails: [{ value: 'juergen.mueller@web.de', label: 'home' }],
      addresses: [{ street: 'Friedrichstraße 123', postalCode: '10117', city: 'Berlin', country: 'DE', label: 'home' }],
      vehicles: [{ vin: 'WVWZZZ1JZ3W386752', brand: 'Volkswagen', model: 'Golf', registrationDate: '2021-04-30', relation: 'owner' }],
    });
  });

  it('keeps a decomposed Latvian name in NFC and reads phones in LV', () => {
    const janis = customerRecordInput('LV').parse({
      externalId: 'RIX-88412',
      givenName: 'Ja\u0304nis',
      familyName: 'Be\u0304rzin\u0327s\u030c',
      preferredLanguage: 'lv',
      phones: [{ value: '2012 3456', label: 'mobile' }, { value: '+49 30 12345678', label: 'work' }],
      addresses: [{ street: 'Brīvības iela 55-7', postalCode: 'LV-1010', city: 'Rīga', country: 'lv' }],
    });
    expect(janis).toMatchObject({
      givenName: 'Jānis',
      familyName: 'Bērziņš',
      phones: [{ value: '+37120123456', label: 'mobile' }, { value: '+493012345678', label: 'work' }],
      addresses: [{ country: 'LV' }],
    });
  });

  it('accepts a Danish company without a family name', () => {
    const company = customerRecordInput('DK').parse({
      externalId: 'CVR-12345678',
      kind: 'company',
      companyName: 'Mølgaard & Søn ApS',
      phones: [{ value: '32 12 34 56', label: 'work' }],
    });
    expect(company).toEqual({
      externalId: 'CVR-12345678',
      kind: 'company',
      companyName: 'Mølgaard & Søn ApS',
      phones: [{ value: '+4532123456', label: 'work' }],
      emails: [],
      addresses: [],
      vehicles: [],
    });
  });

  it('requires a family name for a person', () => {
    expect(customerIssues('DE', { externalId: 'KD-1', givenName: 'Jürgen' })).toEqual([{ path: 'familyName', message: 'is required for a person' }]);
  });

  it('requires a company name for a company, whatever names it has', () => {
    expect(customerIssues('DK', { externalId: 'CVR-1', kind: 'company', givenName: 'Søren', familyName: 'Mølgaard' })).toEqual([
      { path: 'companyName', message: 'is required for a company' },
    ]);
  });

  it('names the phone that has no region to be read in', () => {
    expect(customerIssues(undefined, { ...juergen, phones: [{ value: '+49 30 12345678' }, { value: '0151 23456789' }] })).toEqual([
      { path: 'phones.1.value', message: '"0151 23456789" is in national format and no region is known to read it in (use +<country code>…)' },
    ]);
  });

  it('names every bad field of a record', () => {
    expect(
      customerIssues('DE', {
        externalId: ' ',
        kind: 'person',
        familyName: 'Müller',
        preferredLanguage: 'deutsch_DE',
        phones: [{ value: '030 1' }],
        emails: [{ value: 'juergen.mueller@' }],
        addresses: [{ street: 'Friedrichstraße 123', postalCode: '10117', city: 'Berlin', country: 'Deutschland' }],
        vehicles: [{ vin: 'WVWZZZ1JZ3W38675O', brand: 'Volkswagen', model: 'Golf' }],
      }),
    ).toEqual([
      { path: 'externalId', message: 'must not be empty' },
      { path: 'preferredLanguage', message: 'is not a BCP 47 language tag' },
      { path: 'phones.0.value', message: '"030 1" is not a valid phone number (read as a DE national number)' },
      { path: 'emails.0.value', message: '"juergen.mueller@" is not a valid e-mail address' },
      { path: 'addresses.0.country', message: 'is not an ISO 3166-1 alpha-2 country code' },
      { path: 'vehicles.0.vin', message: '"WVWZZZ1JZ3W38675O" must not contain I, O or Q' },
    ]);
  });

  it('rejects an unknown kind', () => {
    expect(customerIssues('DE', { externalId: 'KD-1', kind: 'household' as never, familyName: 'Müller' })).toEqual([
      { path: 'kind', message: 'Invalid option: expected one of "person"|"company"' },
    ]);
  });

  it('caps the number of contact points', () => {
    const phones = Array.from({ length: 21 }, (_, index) => ({ value: `+49 30 1234${String(index).padStart(4, '0')}` }));
    expect(customerIssues('DE', { ...juergen, phones }).map((issue) => issue.path)).toEqual(['phones']);
  });

  it('keeps its inferred types aligned with the golden record', () => {
    expectTypeOf<CustomerRecord['phones'][number]>().toEqualTypeOf<PhoneContact>();
    expectTypeOf<CustomerRecord['phones'][number]>().toHaveProperty('value').toEqualTypeOf<string>();
    expectTypeOf<CustomerRecord['phones'][number]['label']>().toEqualTypeOf<ContactLabel>();
    expectTypeOf<CustomerRecord['emails'][number]>().toEqualTypeOf<EmailContact>();
    expectTypeOf<CustomerRecord['addresses'][number]>().toEqualTypeOf<PostalAddress>();
    expectTypeOf<CustomerRecord['addresses'][number]['country']>().toEqualTypeOf<CountryCode>();
    expectTypeOf<CustomerRecord['vehicles'][number]>().toEqualTypeOf<Vehicle>();
    expectTypeOf<GoldenCustomer['phones']>().toEqualTypeOf<CustomerRecord['phones']>();
    expectTypeOf<GoldenCustomer['emails']>().toEqualTypeOf<CustomerRecord['emails']>();
    expectTypeOf<GoldenCustomer['addresses']>().toEqualTypeOf<CustomerRecord['addresses']>();
    expectTypeOf<GoldenCustomer['vehicles']>().toEqualTypeOf<CustomerRecord['vehicles']>();
    // Partners may leave out defaults; the hub always has them.
    expectTypeOf<CustomerRecordInput['phones']>().toEqualTypeOf<{ value: string; region?: string | undefined; label?: ContactLabel | undefined }[] | undefined>();
    expectTypeOf<CustomerRecord['givenName']>().toEqualTypeOf<string | undefined>();
  });
});

describe('golden customer, provenance and source record', () => {
  const createdAt = new Date('2024-02-01T08:00:00Z');
  const golden: GoldenCustomer = {
    id: crypto.randomUUID(),
    kind: 'person',
    givenName: 'Jürgen',
    familyName: 'Müller',
    companyName: null,
    preferredLanguage: 'de-DE',
    phones: [{ value: '+493012345678', label: 'home' }],
    emails: [{ value: 'juergen.mueller@web.de', label: 'home' }],
    addresses: [{ street: 'Friedrichstraße 123', postalCode: '10117', city: 'Berlin', country: 'DE', label: 'home' }],
    vehicles: [{ vin: 'WVWZZZ1JZ3W386752', brand: 'Volkswagen', model: 'Golf', relation: 'owner' }],
    provenance: {
      givenName: { party: 'dealer-berlin', at: '2024-02-01T08:00:00Z' },
      'phone:+493012345678': { party: 'ic-riga', at: '2024-02-01T10:00:00+02:00' },
    },
    createdAt,
    updatedAt: createdAt,
  };

  it('accepts a golden record', () => {
    expect(goldenCustomer.parse(golden)).toEqual(golden);
  });

  it('refuses a golden record with a phone that is not E.164 or a provenance without a party', () => {
    const result = goldenCustomer.safeParse({
      ...golden,
      phones: [{ value: '030 12345678', label: 'home' }],
      provenance: { givenName: { party: 'Dealer Berlin', at: '2024-02-01T08:00:00Z' } },
    });
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['phones.0.value', 'must be E.164'],
      ['provenance.givenName.party', 'must be 2–63 lower-case letters, digits or dashes, starting with a letter or digit'],
    ]);
  });

  it('accepts a provenance entry and refuses one without a moment', () => {
    expect(provenance.parse({ party: 'dealer-riga', at: '2024-02-01T10:00:00+02:00' })).toEqual({ party: 'dealer-riga', at: '2024-02-01T10:00:00+02:00' });
    expect(provenance.safeParse({ party: 'dealer-riga', at: '2024-02-01' }).error?.issues.map((issue) => issue.path.join('.'))).toEqual(['at']);
  });

  it('links a partner record to a golden customer', () => {
    const customerId = crypto.randomUUID();
    expect(sourceRecord.parse({ party: 'dealer-kobenhavn', externalId: ' DK-4711 ', customerId, linkedAt: '2024-02-01T09:00:00+01:00' })).toEqual({
      party: 'dealer-kobenhavn',
      externalId: 'DK-4711',
      customerId,
      linkedAt: createdAt,
    });
    const bad = sourceRecord.safeParse({ party: 'dealer-kobenhavn', externalId: '', customerId: 'DK-4711', linkedAt: '2024-02-01' });
    expect(bad.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['externalId', 'must not be empty'],
      ['customerId', 'must be a UUID'],
      ['linkedAt', 'must be an ISO 8601 date-time with offset'],
    ]);
  });
});

describe('customer record duplicates', () => {
  it('keeps one contact point per normalised value and one vehicle link per VIN and relation', () => {
    const record = customerRecordInput('DE').parse({
      externalId: 'DMS-7',
      familyName: 'Weiß',
      phones: [{ value: '0151 23456789', label: 'mobile' }, { value: '+49 151 23456789', label: 'work' }],
      emails: [{ value: 'J.Weiss@Example.de' }, { value: 'j.weiss@example.de ' }],
      vehicles: [
        { vin: 'WNW1234567A123456', brand: 'Nordwagen', model: 'Fjord' },
        { vin: 'wnw1234567a123456', brand: 'Nordwagen', model: 'Fjord' },
        { vin: 'WNW1234567A123456', brand: 'Nordwagen', model: 'Fjord', relation: 'driver' },
      ],
    });
    expect(record.phones).toEqual([{ value: '+4915123456789', label: 'mobile' }]);
    expect(record.emails).toEqual([{ value: 'j.weiss@example.de', label: 'other' }]);
    expect(record.vehicles.map((vehicle) => vehicle.relation)).toEqual(['owner', 'driver']);
  });
});
