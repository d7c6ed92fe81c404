import { describe, expect, it } from 'vitest';
import { consentInput, consentPurposes, parseOrThrow, ValidationError, type FieldIssue } from '../src/index.js';

function consentIssues(input: unknown): FieldIssue[] {
  try {
    parseOrThrow(consentInput, input);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  return expect.unreachable(`${JSON.stringify(input)} was accepted`);
}

const marketingByEmail = {
  customerExternalId: 'CVR-12345678',
  purpose: 'marketing',
  channel: 'email',
  granted: true,
  recordedAt: '2024-04-10T16:45:00+02:00',
  proof: 'Double opt-in confirmed from søren@bilhus.dk, web form 2024-04-10',
} as const;

describe('consent input', () => {
  it('accepts a consent with its proof', () => {
    expect(consentInput.parse(marketingByEmail)).toEqual({ ...marketingByEmail, recordedAt: new Date('2024-04-10T14:45:00Z') });
  });

  it.each(consentPurposes)('accepts a withdrawal for %s on every channel', (purpose) => {
    const { channel: _all, ...withoutChannel } = marketingByEmail;
    expect(consentInput.parse({ ...withoutChannel, purpose, granted: false })).toMatchObject({ purpose, granted: false });
  });

  it('refuses a decision without proof', () => {
    expect(consentIssues({ ...marketingByEmail, proof: '  ' })).toEqual([{ path: 'proof', message: 'must say how the decision was captured' }]);
  });

  it('names every bad field', () => {
    expect(consentIssues({ ...marketingByEmail, purpose: 'newsletter', channel: 'fax', granted: 'ja', recordedAt: '10.04.2024' })).toEqual([
      { path: 'purpose', message: 'Invalid option: expected one of "marketing"|"service_reminders"|"surveys"|"profiling"|"data_sharing"' },
      { path: 'channel', message: 'Invalid option: expected one of "phone"|"email"|"letter"|"web"|"chat"|"sms"|"field_visit"|"walk_in"' },
      { path: 'granted', message: 'Invalid input: expected boolean, received string' },
      { path: 'recordedAt', message: 'must be an ISO 8601 date-time with offset' },
    ]);
  });
});
