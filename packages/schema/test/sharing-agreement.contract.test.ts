import { describe, expect, it } from 'vitest';
import {
  dataClasses,
  parseOrThrow,
  sharingAgreement,
  sharingAgreementInput,
  sharingPurposes,
  ValidationError,
  type FieldIssue,
  type SharingAgreementInput,
} from '../src/index.js';

function agreementIssues(input: SharingAgreementInput): FieldIssue[] {
  try {
    parseOrThrow(sharingAgreementInput, input);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  return expect.unreachable(`${JSON.stringify(input)} was accepted`);
}

const dealerToInteractionCenter: SharingAgreementInput = {
  grantor: 'dealer-berlin',
  grantee: 'ic-riga',
  dataClasses: ['identity', 'contact', 'vehicles', 'activities'],
  purpose: 'customer_care',
  validFrom: '2024-01-01T00:00:00+01:00',
  validUntil: '2025-01-01T00:00:00+01:00',
};

describe('sharing agreement input', () => {
  it('accepts a dealer sharing its customers with an interaction center for a year', () => {
    expect(sharingAgreementInput.parse(dealerToInteractionCenter)).toEqual({
      ...dealerToInteractionCenter,
      validFrom: new Date('2023-12-31T23:00:00Z'),
      validUntil: new Date('2024-12-31T23:00:00Z'),
    });
  });

  it('accepts an open-ended agreement', () => {
    const { validUntil: _open, ...openEnded } = dealerToInteractionCenter;
    expect(sharingAgreementInput.parse(openEnded)).not.toHaveProperty('validUntil');
  });

  it.each(dataClasses)('can grant %s (with activities)', (dataClass) => {
    expect(sharingAgreementInput.parse({ ...dealerToInteractionCenter, dataClasses: [dataClass, 'activities'] }).dataClasses).toContain(dataClass);
  });

  it.each(sharingPurposes)('accepts the purpose %s', (purpose) => {
    expect(sharingAgreementInput.parse({ ...dealerToInteractionCenter, purpose }).purpose).toBe(purpose);
  });

  it('refuses a party granting to itself', () => {
    expect(agreementIssues({ ...dealerToInteractionCenter, grantee: 'dealer-berlin' })).toEqual([
      { path: 'grantee', message: 'must differ from the grantor' },
    ]);
  });

  it('refuses an agreement that ends before it starts', () => {
    expect(agreementIssues({ ...dealerToInteractionCenter, validUntil: '2023-06-30T23:59:59+02:00' })).toEqual([
      { path: 'validUntil', message: 'must be after validFrom' },
    ]);
  });

  it('refuses an agreement that ends the moment it starts, whatever the offsets', () => {
    expect(agreementIssues({ ...dealerToInteractionCenter, validFrom: '2024-01-01T00:00:00+01:00', validUntil: '2024-01-01T01:00:00+02:00' })).toEqual([
      { path: 'validUntil', message: 'must be after validFrom' },
    ]);
  });

  it('refuses content without activities', () => {
    expect(agreementIssues({ ...dealerToInteractionCenter, dataClasses: ['identity', 'content'] })).toEqual([
      { path: 'dataClasses', message: 'content is only shared together with activities' },
    ]);
  });

  it('accepts content together with activities', () => {
    expect(sharingAgreementInput.parse({ ...dealerToInteractionCenter, dataClasses: ['activities', 'content'] }).dataClasses).toEqual([
      'activities',
      'content',
    ]);
  });

  it('refuses an agreement that grants nothing', () => {
    expect(agreementIssues({ ...dealerToInteractionCenter, dataClasses: [] })).toEqual([
      { path: 'dataClasses', message: 'must grant at least one data class' },
    ]);
  });

  it('reports every broken rule at once', () => {
    expect(
      agreementIssues({ ...dealerToInteractionCenter, grantee: 'dealer-berlin', dataClasses: ['content'], validUntil: '2023-01-01T00:00:00Z' }),
    ).toEqual([
      { path: 'grantee', message: 'must differ from the grantor' },
      { path: 'validUntil', message: 'must be after validFrom' },
      { path: 'dataClasses', message: 'content is only shared together with activities' },
    ]);
  });

  it('names bad fields', () => {
    expect(agreementIssues({ ...dealerToInteractionCenter, dataClasses: ['identity', 'salary' as never], purpose: 'resale' as never, validFrom: '2024-01-01' })).toEqual([
      { path: 'dataClasses.1', message: 'Invalid option: expected one of "identity"|"contact"|"vehicles"|"activities"|"content"|"consent"|"tasks"' },
      { path: 'purpose', message: 'Invalid option: expected one of "sales"|"service"|"customer_care"|"marketing"|"analytics"' },
      { path: 'validFrom', message: 'must be an ISO 8601 date-time with offset' },
    ]);
  });
});

describe('sharing agreement (stored)', () => {
  const stored = {
    id: crypto.randomUUID(),
    grantor: 'oem',
    grantee: 'dealer-kobenhavn',
    dataClasses: ['identity', 'vehicles'],
    purpose: 'service',
    validFrom: new Date('2024-01-01T00:00:00Z'),
    validUntil: null,
  } as const;

  it('accepts a stored agreement', () => {
    expect(sharingAgreement.parse(stored)).toEqual(stored);
  });

  it('refuses a stored agreement with a bad id or data class', () => {
    const result = sharingAgreement.safeParse({ ...stored, id: 'agreement-1', dataClasses: ['everything'] });
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['id', 'dataClasses.0']);
  });
});
