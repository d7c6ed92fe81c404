import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  brand,
  calendarDate,
  countryCode,
  externalId,
  hubId,
  instant,
  languageTag,
  parseOrThrow,
  partyId,
  timeZone,
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

describe('countryCode', () => {
  it.each([
    ['DE', 'DE'],
    ['lv', 'LV'],
    [' dk ', 'DK'],
  ])('reads %j as %s', (raw, code) => {
    expect(countryCode.parse(raw)).toBe(code);
  });

  it.each(['Germany', 'Latvija', 'XX', 'D', 'DEU', '', 'UK'])('rejects %j', (raw) => {
    expect(issuesOf(countryCode, raw)).toEqual([{ path: '', message: 'is not an ISO 3166-1 alpha-2 country code' }]);
  });
});

describe('timeZone', () => {
  it.each(['Europe/Berlin', 'Europe/Riga', 'Europe/Copenhagen', 'UTC'])('accepts %s', (zone) => {
    expect(timeZone.parse(zone)).toBe(zone);
  });

  // Regression: only ICU's canonical ids were accepted, so the IANA names `Etc/UTC` (the default
  // of most servers) and `Europe/Kyiv` (canonical since tzdata 2022b) were rejected.
  it.each(['Etc/UTC', 'Europe/Kyiv'])('accepts the IANA link %s', (zone) => {
    expect(timeZone.parse(zone)).toBe(zone);
  });

  it.each(['Berlin', 'europe/riga', 'EUROPE/COPENHAGEN', 'Europe/Tallinn ', '+02:00', 'CEST', 'Mars/Olympus_Mons', ''])(
    'rejects %j',
    (zone) => {
      expect(issuesOf(timeZone, zone)).toEqual([{ path: '', message: 'is not an IANA time zone name' }]);
    },
  );
});

describe('languageTag', () => {
  it.each([
    ['de-DE', 'de-DE'],
    ['lv', 'lv'],
    ['da-dk', 'da-DK'],
    ['LV-lv', 'lv-LV'],
    [' de-AT ', 'de-AT'],
  ])('canonicalises %j to %s', (raw, tag) => {
    expect(languageTag.parse(raw)).toBe(tag);
  });

  it.each(['de_DE', 'en_US', '', 'x', 'de-', 'Deutsch (Deutschland)'])('rejects %j', (raw) => {
    expect(issuesOf(languageTag, raw)).toEqual([{ path: '', message: 'is not a BCP 47 language tag' }]);
  });
});

describe('partyId', () => {
  it.each(['oem', 'dealer-berlin', 'dealer-riga', 'ic-kobenhavn', '24'])('accepts %s', (id) => {
    expect(partyId.parse(id)).toBe(id);
  });

  it.each(['Dealer-Berlin', 'dealer berlin', '-oem', 'o', 'händler-köln', 'a'.repeat(64)])('rejects %j', (id) => {
    expect(issuesOf(partyId, id)).toEqual([
      { path: '', message: 'must be 2–63 lower-case letters, digits or dashes, starting with a letter or digit' },
    ]);
  });
});

describe('hubId', () => {
  it('accepts a UUID', () => {
    const id = crypto.randomUUID();
    expect(hubId.parse(id)).toBe(id);
  });

  it('rejects anything else', () => {
    expect(issuesOf(hubId, 'KD-000123')).toEqual([{ path: '', message: 'must be a UUID' }]);
  });
});

describe('externalId', () => {
  it('trims the partner’s id', () => {
    expect(externalId.parse('  KD-2024-000123 ')).toBe('KD-2024-000123');
  });

  it.each([
    ['   ', 'must not be empty'],
    ['x'.repeat(201), 'must be at most 200 characters'],
  ])('rejects %j', (raw, message) => {
    expect(issuesOf(externalId, raw)).toEqual([{ path: '', message }]);
  });
});

describe('instant', () => {
  it('parses an offset date-time to the same moment', () => {
    expect(instant.parse('2024-03-05T14:30:00+01:00')).toEqual(new Date('2024-03-05T13:30:00Z'));
    expect(instant.parse('2024-06-14T09:15:00.250Z')).toEqual(new Date(Date.UTC(2024, 5, 14, 9, 15, 0, 250)));
  });

  it.each(['2024-03-05T14:30:00', '2024-03-05', '05.03.2024 14:30', '2024-13-01T00:00:00Z'])(
    'rejects %j, which has no unambiguous moment',
    (raw) => {
      expect(issuesOf(instant, raw)).toEqual([{ path: '', message: 'must be an ISO 8601 date-time with offset' }]);
    },
  );
});

describe('calendarDate', () => {
  it.each(['2021-04-30', '2024-02-29'])('accepts %s', (date) => {
    expect(calendarDate.parse(date)).toBe(date);
  });

  it.each(['30.04.2021', '2021-02-30', '2023-02-29', '2021-4-30'])('rejects %j', (date) => {
    expect(issuesOf(calendarDate, date)).toEqual([{ path: '', message: 'must be an ISO 8601 date (YYYY-MM-DD)' }]);
  });
});

describe('brand', () => {
  it('trims the brand name', () => {
    expect(brand.parse(' Škoda ')).toBe('Škoda');
  });

  it.each([
    ['', 'must not be empty'],
    ['B'.repeat(81), 'must be at most 80 characters'],
  ])('rejects %j', (raw, message) => {
    expect(issuesOf(brand, raw)).toEqual([{ path: '', message }]);
  });
});
