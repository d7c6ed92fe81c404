import { describe, expect, it } from 'vitest';
import { argumentationAidInput, parseOrThrow, ValidationError, type ArgumentationAidInput, type FieldIssue } from '../src/index.js';

function aidIssues(input: ArgumentationAidInput): FieldIssue[] {
  try {
    parseOrThrow(argumentationAidInput, input);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  return expect.unreachable(`${JSON.stringify(input)} was accepted`);
}

const id4Talk: ArgumentationAidInput = {
  brand: 'Volkswagen',
  title: 'ID.4: Reichweite und Laden',
  body: 'Bis zu 520 km Reichweite (WLTP). An der Schnellladesäule in rund 30 Minuten von 10 auf 80 %.',
  language: 'de-de',
  appliesTo: { vehicleModels: ['ID.4'], channels: ['phone', 'chat'], customerKinds: ['person'] },
};

describe('argumentation aid input', () => {
  it('accepts talking points narrowed to a model, channels and customer kind', () => {
    expect(argumentationAidInput.parse(id4Talk)).toEqual({ ...id4Talk, language: 'de-DE' });
  });

  it('applies to everything when nothing narrows it', () => {
    const { appliesTo: _everything, ...general } = id4Talk;
    expect(argumentationAidInput.parse({ ...general, language: 'lv' }).appliesTo).toEqual({ vehicleModels: [], channels: [], customerKinds: [] });
  });

  it('fills the narrowing lists that are left out', () => {
    expect(argumentationAidInput.parse({ ...id4Talk, language: 'da', appliesTo: { channels: ['email'] } }).appliesTo).toEqual({
      vehicleModels: [],
      channels: ['email'],
      customerKinds: [],
    });
  });

  it('names every bad field', () => {
    expect(
      aidIssues({ brand: ' ', title: '', body: '  ', language: 'de_DE', appliesTo: { vehicleModels: [''], channels: ['fax' as never], customerKinds: ['dealer' as never] } }),
    ).toEqual([
      { path: 'brand', message: 'must not be empty' },
      { path: 'title', message: 'must not be empty' },
      { path: 'body', message: 'must not be empty' },
      { path: 'language', message: 'is not a BCP 47 language tag' },
      { path: 'appliesTo.vehicleModels.0', message: 'Too small: expected string to have >=1 characters' },
      { path: 'appliesTo.channels.0', message: 'Invalid option: expected one of "phone"|"email"|"letter"|"web"|"chat"|"sms"|"field_visit"|"walk_in"' },
      { path: 'appliesTo.customerKinds.0', message: 'Invalid option: expected one of "person"|"company"' },
    ]);
  });
});
