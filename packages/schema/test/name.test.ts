import { describe, expect, it } from 'vitest';
import { nameKey, normaliseName, personName } from '../src/index.js';

// Each letter written decomposed (base letter + combining mark), as some macOS and CSV exports do.
const decomposed = (text: string): string => text.normalize('NFD');

describe('normaliseName', () => {
  it.each([
    'Jürgen Müller',
    'Björn Schäfer',
    'Hans-Jörg Weiß',
    'Jānis Bērziņš',
    'Ķēniņš Čakste',
    'Ēriks Ņikitins',
    'Žanis Šmits',
    'Søren Ærø',
    'Åse Mølgaard',
    'Mette Kærgård',
  ])('keeps the diacritics of %s in NFC', (name) => {
    const result = normaliseName(decomposed(name));
    expect(result).toBe(name);
    expect(result.normalize('NFC')).toBe(result);
    expect(result.length).toBe(name.length);
  });

  it('trims and collapses inner white space', () => {
    expect(normaliseName('  Anna \t Lena\u00a0 Müller ')).toBe('Anna Lena Müller');
  });
});

describe('personName', () => {
  it('stores a decomposed Latvian name in NFC', () => {
    expect(personName.parse(decomposed(' Līga  Kalniņa '))).toBe('Līga Kalniņa');
  });

  it.each([
    ['', 'must not be empty'],
    [' \t ', 'must not be empty'],
    ['Ø'.repeat(201), 'must be at most 200 characters'],
  ])('rejects %j', (raw, message) => {
    const result = personName.safeParse(raw);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([message]);
  });
});

describe('nameKey', () => {
  it.each([
    ['Jürgen Müller', 'jurgen muller'],
    ['Björn Schäfer', 'bjorn schafer'],
    ['Straße', 'strasse'],
    ['STRAẞE', 'strasse'],
    ['Jānis Bērziņš', 'janis berzins'],
    ['Ķēniņš Čakste', 'kenins cakste'],
    ['Ēriks Ņikitins', 'eriks nikitins'],
    ['Žanis Šmits', 'zanis smits'],
    ['Søren Ærø', 'soren aero'],
    ['Åse Mølgaard', 'ase molgaard'],
    ['Mette Kærgård', 'mette kaergard'],
    ['Hans-Jörg O’Neill', 'hansjorg oneill'],
  ])('folds %s to %s', (name, key) => {
    expect(nameKey(name)).toBe(key);
  });

  it('gives a composed and a decomposed spelling the same key', () => {
    for (const name of ['Jürgen Müller', 'Jānis Bērziņš', 'Søren Kierkegård', 'Ķēniņš Čakste']) {
      expect(nameKey(decomposed(name))).toBe(nameKey(name));
    }
  });

  it('matches names that differ only in case, diacritics and spacing', () => {
    expect(nameKey('  MÜLLER ')).toBe(nameKey('Muller'));
    expect(nameKey('bērziņš')).toBe(nameKey('BERZINS'));
    expect(nameKey('Mølgaard')).not.toBe(nameKey('Molgard'));
  });
});
