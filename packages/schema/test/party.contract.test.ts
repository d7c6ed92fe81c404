import { describe, expect, expectTypeOf, it } from 'vitest';
import { businessHours, parseOrThrow, party, ValidationError, type FieldIssue, type Party, type PartyInput } from '../src/index.js';

function partyIssues(input: PartyInput): FieldIssue[] {
  try {
    parseOrThrow(party, input);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  return expect.unreachable(`${JSON.stringify(input)} was accepted`);
}

const dealerBerlin: PartyInput = {
  id: 'dealer-berlin',
  kind: 'dealer',
  name: 'Autohaus Schröder GmbH',
  country: 'de',
  timeZone: 'Europe/Berlin',
  brands: ['Volkswagen', 'Škoda'],
  businessHours: [
    { day: 'mon', opens: '08:00', closes: '18:30' },
    { day: 'sat', opens: '09:00', closes: '13:00' },
  ],
};

const icRiga: PartyInput = {
  id: 'ic-riga',
  kind: 'interaction_center',
  name: 'Baltijas Kontaktu Centrs SIA',
  country: 'LV',
  timeZone: 'Europe/Riga',
  clients: ['oem', 'dealer-berlin', 'dealer-kobenhavn'],
};

describe('party', () => {
  it('accepts a German dealer with its opening hours', () => {
    expect(party.parse(dealerBerlin)).toEqual({ ...dealerBerlin, country: 'DE', clients: [] });
  });

  it('accepts an interaction center acting for client parties', () => {
    expect(party.parse(icRiga)).toEqual({ ...icRiga, brands: [], businessHours: [] });
  });

  it('defaults brands, business hours and clients to none', () => {
    const oem = party.parse({ id: 'oem', kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin' });
    expect(oem).toMatchObject({ brands: [], businessHours: [], clients: [] });
    expectTypeOf(oem).toEqualTypeOf<Party>();
    expectTypeOf(oem.clients).toEqualTypeOf<string[]>();
  });

  it.each(['dealer', 'manufacturer', 'agency', 'supplier'] as const)('refuses clients for a %s', (kind) => {
    expect(partyIssues({ ...dealerBerlin, kind, clients: ['oem'] })).toEqual([
      { path: 'clients', message: 'only an interaction center serves client parties' },
    ]);
  });

  it('refuses an interaction center that is its own client', () => {
    expect(partyIssues({ ...icRiga, clients: ['oem', 'ic-riga'] })).toEqual([
      { path: 'clients', message: 'a party cannot be its own client' },
    ]);
  });

  it('names every bad field', () => {
    expect(
      partyIssues({ id: 'Autohaus Schröder', kind: 'garage' as never, name: ' ', country: 'Deutschland', timeZone: 'Berlin' }),
    ).toEqual([
      { path: 'id', message: 'must be 2–63 lower-case letters, digits or dashes, starting with a letter or digit' },
      { path: 'kind', message: 'Invalid option: expected one of "manufacturer"|"dealer"|"interaction_center"|"agency"|"supplier"' },
      { path: 'name', message: 'must not be empty' },
      { path: 'country', message: 'is not an ISO 3166-1 alpha-2 country code' },
      { path: 'timeZone', message: 'is not an IANA time zone name' },
    ]);
  });

  it('rejects a client id that is not a party id', () => {
    expect(partyIssues({ ...icRiga, clients: ['Dealer Berlin'] })).toEqual([
      { path: 'clients.0', message: 'must be 2–63 lower-case letters, digits or dashes, starting with a letter or digit' },
    ]);
  });

  it('formats the error message with each field path', () => {
    expect(() => parseOrThrow(party, { ...dealerBerlin, timeZone: 'MEZ', clients: [] })).toThrow(
      'timeZone: is not an IANA time zone name',
    );
  });
});

describe('businessHours', () => {
  it.each([
    ['00:00', '23:59'],
    ['07:30', '20:00'],
  ])('accepts %s–%s', (opens, closes) => {
    expect(businessHours.parse({ day: 'fri', opens, closes })).toEqual({ day: 'fri', opens, closes });
  });

  it.each([
    ['18:00', '09:00'],
    ['09:00', '09:00'],
  ])('refuses opening at %s and closing at %s', (opens, closes) => {
    expect(partyIssues({ ...dealerBerlin, businessHours: [{ day: 'mon', opens: '08:00', closes: '17:00' }, { day: 'tue', opens, closes }] })).toEqual([
      { path: 'businessHours.1.closes', message: 'must open before it closes' },
    ]);
  });

  // Regression: a malformed time was also compared as text, so `9:00`–`18:00` was told it "must open before it closes".
  it.each(['9:00', '24:00', '08:60', '8 Uhr', '08:00:00'])('rejects the time %j', (time) => {
    expect(partyIssues({ ...dealerBerlin, businessHours: [{ day: 'wed', opens: time, closes: '18:00' }] })).toEqual([
      { path: 'businessHours.0.opens', message: 'must be a 24-hour time HH:MM' },
    ]);
  });

  it('rejects a day that is not a weekday abbreviation', () => {
    expect(partyIssues({ ...dealerBerlin, businessHours: [{ day: 'Montag' as never, opens: '08:00', closes: '18:00' }] })).toEqual([
      { path: 'businessHours.0.day', message: 'Invalid option: expected one of "mon"|"tue"|"wed"|"thu"|"fri"|"sat"|"sun"' },
    ]);
  });
});
