import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  emailAddress,
  emailContact,
  normaliseEmail,
  normalisePhone,
  parseOrThrow,
  phoneContact,
  phoneContactInput,
  phoneNumber,
  phoneSearchKey,
  postalAddress,
  ValidationError,
  type FieldIssue,
} from '../src/index.js';

function issuesOf(schema: z.ZodType, input: unknown): FieldIssue[] {
  try {
    parseOrThrow(schema, input);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  return expect.unreachable(`${JSON.stringify(input)} was accepted`);
}

describe('phone contact in national format, read in the sender’s region', () => {
  it.each([
    ['DE', '030 12345678', '+493012345678'],
    ['DE', '(030) 1234-5678', '+493012345678'],
    ['DE', '0151 23456789', '+4915123456789'],
    ['DE', '089/1234567', '+49891234567'],
    ['LV', '2012 3456', '+37120123456'],
    ['LV', '6712 3456', '+37167123456'],
    ['DK', '20 12 34 56', '+4520123456'],
    ['DK', '32 12 34 56', '+4532123456'],
  ] as const)('reads a %s number %j as %s', (region, value, e164) => {
    expect(phoneContactInput(region).parse({ value, label: 'mobile' })).toEqual({ value: e164, label: 'mobile' });
  });

  it('lets a contact point name its own region over the sender’s', () => {
    expect(phoneContactInput('DE').parse({ value: '2012 3456', region: 'lv' })).toEqual({ value: '+37120123456', label: 'other' });
    expect(phoneContactInput().parse({ value: '20 12 34 56', region: 'DK', label: 'home' })).toEqual({ value: '+4520123456', label: 'home' });
  });

  it('refuses a national number when no region is known, saying so', () => {
    expect(issuesOf(phoneContactInput(), { value: '030 12345678' })).toEqual([
      { path: 'value', message: '"030 12345678" is in national format and no region is known to read it in (use +<country code>…)' },
    ]);
  });

  it.each([
    ['DE', '030 1', 'DE'],
    ['LV', '999 9999', 'LV'],
    ['DK', '01 23 45 67', 'DK'],
  ] as const)('names the assumed region %s when %j is not a valid number', (region, value, assumed) => {
    expect(issuesOf(phoneContactInput(region), { value })).toEqual([
      { path: 'value', message: `${JSON.stringify(value)} is not a valid phone number (read as a ${assumed} national number)` },
    ]);
  });

  it('names the contact point’s own region when it overrides the sender’s', () => {
    expect(issuesOf(phoneContactInput('DE'), { value: '030 12345678', region: 'DK' })).toEqual([
      { path: 'value', message: '"030 12345678" is not a valid phone number (read as a DK national number)' },
    ]);
  });

  it.each([
    ['Rückruf erbeten', 'is not a phone number (read as a DE national number)'],
    ['0301234567890123456789', 'is too long (read as a DE national number)'],
    ['   ', 'is empty'],
  ])('explains why %j is refused', (value, reason) => {
    expect(issuesOf(phoneContactInput('DE'), { value })).toEqual([{ path: 'value', message: `${JSON.stringify(value)} ${reason}` }]);
  });

  it('rejects an unknown region and an unknown label', () => {
    expect(issuesOf(phoneContactInput('DE'), { value: '030 12345678', region: 'Lettland', label: 'fax' })).toEqual([
      { path: 'region', message: 'is not an ISO 3166-1 alpha-2 country code' },
      { path: 'label', message: 'Invalid option: expected one of "mobile"|"home"|"work"|"other"' },
    ]);
  });
});

describe('phone contact in international format', () => {
  it.each([
    ['+49 30 12345678', '+493012345678'],
    ['+49 (0)30 12345678', '+493012345678'],
    ['0049 30 12345678', '+493012345678'],
    ['+371 2012 3456', '+37120123456'],
    ['00371 2012 3456', '+37120123456'],
    ['+45 20 12 34 56', '+4520123456'],
    ['0045 32123456', '+4532123456'],
  ])('reads %j as %s without any region', (value, e164) => {
    expect(phoneContactInput().parse({ value })).toEqual({ value: e164, label: 'other' });
  });

  it('ignores the sender’s region for an international number', () => {
    expect(phoneContactInput('DE').parse({ value: '+45 20 12 34 56' }).value).toBe('+4520123456');
    expect(phoneContactInput('DK').parse({ value: '0049 151 23456789' }).value).toBe('+4915123456789');
  });

  // Regression: `00 49 …` (a space after the international prefix) was taken for a national
  // number and refused when the sender's region was unknown.
  it.each([
    ['00 49 30 12345678', '+493012345678'],
    ['00 371 2012 3456', '+37120123456'],
    ['00 45 20 12 34 56', '+4520123456'],
  ])('reads %j with a space after 00 as international', (value, e164) => {
    expect(phoneContactInput().parse({ value })).toEqual({ value: e164, label: 'other' });
  });

  it('refuses an invalid international number without claiming a region', () => {
    expect(issuesOf(phoneContactInput('LV'), { value: '+45 32' })).toEqual([{ path: 'value', message: '"+45 32" is not a valid phone number' }]);
    expect(issuesOf(phoneContactInput('LV'), { value: '+49' })).toEqual([{ path: 'value', message: '"+49" is too short' }]);
  });
});

describe('phoneNumber, normalisePhone and phoneSearchKey', () => {
  it('normalise a bare number the same way as a contact point', () => {
    expect(phoneNumber('LV').parse('2012 3456')).toBe('+37120123456');
    expect(normalisePhone('20 12 34 56', 'DK')).toEqual({ ok: true, value: '+4520123456' });
    expect(normalisePhone('030 12345678')).toEqual({
      ok: false,
      reason: 'is in national format and no region is known to read it in (use +<country code>…)',
    });
  });

  it('finds one customer by a phone number written in any format', () => {
    const keys = ['030 12345678', '+49 30 12345678', '0049 30 12345678', '+49 (0)30 1234 5678'].map((raw) => phoneSearchKey(raw, 'DE'));
    expect(new Set(keys)).toEqual(new Set(['+493012345678']));
  });

  it('has no search key for text that is no phone number', () => {
    expect(phoneSearchKey('Jürgen', 'DE')).toBeUndefined();
    expect(phoneSearchKey('030 12345678')).toBeUndefined();
  });
});

describe('phoneContact (stored, E.164)', () => {
  it('accepts an E.164 number', () => {
    expect(phoneContact.parse({ value: '+37120123456', label: 'mobile' })).toEqual({ value: '+37120123456', label: 'mobile' });
  });

  it.each(['030 12345678', '+49 30 12345678', '004930123456', '+0493012345678'])('rejects %j', (value) => {
    expect(issuesOf(phoneContact, { value, label: 'work' })).toEqual([{ path: 'value', message: 'must be E.164' }]);
  });
});

describe('e-mail', () => {
  it.each([
    [' Juergen.Mueller@Autohaus-Schroeder.DE ', 'juergen.mueller@autohaus-schroeder.de'],
    ['Janis.Berzins@Inbox.LV', 'janis.berzins@inbox.lv'],
    ['lars+service@bilhus.dk', 'lars+service@bilhus.dk'],
  ])('normalises %j to %s', (raw, address) => {
    expect(emailAddress.parse(raw)).toBe(address);
    expect(normaliseEmail(raw)).toEqual({ ok: true, value: address });
  });

  it('defaults the label of an e-mail contact to other', () => {
    expect(emailContact.parse({ value: 'Soeren.Moelgaard@Bilhus.dk' })).toEqual({ value: 'soeren.moelgaard@bilhus.dk', label: 'other' });
  });

  it.each([
    ['janis.berzins@', 'is not a valid e-mail address'],
    ['juergen.mueller.autohaus.de', 'is not a valid e-mail address'],
    ['lars nielsen@bilhus.dk', 'is not a valid e-mail address'],
    ['', 'is empty'],
    ['  ', 'is empty'],
  ])('refuses %j, quoting it', (raw, reason) => {
    expect(issuesOf(emailContact, { value: raw, label: 'work' })).toEqual([{ path: 'value', message: `${JSON.stringify(raw)} ${reason}` }]);
  });
});

describe('postal address', () => {
  it.each([
    [{ street: 'Friedrichstraße 123', postalCode: '10117', city: 'Berlin', country: 'DE' }],
    [{ street: 'Brīvības iela 55-7', postalCode: 'LV-1010', city: 'Rīga', country: 'LV' }],
    [{ street: 'Østerbrogade 12, 2. tv.', postalCode: '2100', city: 'København Ø', country: 'DK' }],
  ])('accepts %j as a home address', (address) => {
    expect(postalAddress.parse(address)).toEqual({ ...address, label: 'home' });
  });

  it('trims the fields and upper-cases the country', () => {
    expect(postalAddress.parse({ street: ' Königsallee 1 ', postalCode: ' 40212 ', city: ' Düsseldorf ', country: 'de', label: 'work' })).toEqual({
      street: 'Königsallee 1',
      postalCode: '40212',
      city: 'Düsseldorf',
      country: 'DE',
      label: 'work',
    });
  });

  it('names every bad field', () => {
    expect(issuesOf(postalAddress, { street: ' ', postalCode: '', city: '', country: 'Danmark', label: 'summer house' })).toEqual([
      { path: 'street', message: 'must not be empty' },
      { path: 'postalCode', message: 'must not be empty' },
      { path: 'city', message: 'must not be empty' },
      { path: 'country', message: 'is not an ISO 3166-1 alpha-2 country code' },
      { path: 'label', message: 'Invalid option: expected one of "mobile"|"home"|"work"|"other"' },
    ]);
  });
});
