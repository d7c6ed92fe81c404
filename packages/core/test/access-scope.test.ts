import { describe, expect, it } from 'vitest';
import { AccessScope, type SharingAgreementRow } from '@tandem/core';

const validFrom = new Date('2025-01-01T00:00:00Z');
const at = new Date('2026-06-01T00:00:00Z');

function agreement(grantor: string, grantee: string, dataClasses: SharingAgreementRow['dataClasses'], extra: Partial<SharingAgreementRow> = {}): SharingAgreementRow {
  return { id: `${grantor}->${grantee}`, grantor, grantee, dataClasses, purpose: 'customer_care', validFrom, validUntil: null, revokedAt: null, createdAt: validFrom, ...extra };
}

const agreements = [
  agreement('ic-nordic', 'oem', ['activities', 'content']),
  agreement('ic-nordic', 'insurer', ['activities']),
  agreement('oem', 'ic-nordic', ['identity', 'contact', 'activities', 'content']),
  agreement('insurer', 'ic-nordic', ['identity', 'activities']),
  agreement('oem', 'dealer-old', ['activities'], { validUntil: new Date('2026-01-01T00:00:00Z') }),
  agreement('oem', 'dealer-revoked', ['activities'], { revokedAt: new Date('2026-05-01T00:00:00Z') }),
];

describe('AccessScope', () => {
  it("never shows one client an interaction center's contact made for another client", () => {
    const oem = AccessScope.fromAgreements({ party: 'oem' }, agreements, at);
    const insurer = AccessScope.fromAgreements({ party: 'insurer' }, agreements, at);
    const forInsurer = { party: 'ic-nordic', onBehalfOf: 'insurer' };
    const forOem = { party: 'ic-nordic', onBehalfOf: 'oem' };
    expect([oem.canSeeActivity(forInsurer), oem.canSeeActivity(forOem)]).toEqual([false, true]);
    expect([insurer.canSeeActivity(forInsurer), insurer.canSeeActivity(forOem)]).toEqual([true, false]);
  });

  it('lets an interaction center acting for a client see only that client and its own work for it', () => {
    const forOem = AccessScope.fromAgreements({ party: 'ic-nordic', actingFor: 'oem' }, agreements, at);
    expect(forOem.canSee('oem', 'identity')).toBe(true);
    expect(forOem.canSee('insurer', 'identity')).toBe(false);
    expect(forOem.canSeeActivity({ party: 'ic-nordic', onBehalfOf: 'oem' })).toBe(true);
    expect(forOem.canSeeActivity({ party: 'ic-nordic', onBehalfOf: 'insurer' })).toBe(false);
    expect(forOem.canSeeActivity({ party: 'insurer', onBehalfOf: null })).toBe(false);
    expect(forOem.ownsData).toBe(false);
  });

  it('ignores expired and revoked agreements', () => {
    for (const party of ['dealer-old', 'dealer-revoked']) {
      const scope = AccessScope.fromAgreements({ party }, agreements, at);
      expect(scope.canSeeActivity({ party: 'oem', onBehalfOf: null })).toBe(false);
      expect(scope.canSeeActivity({ party, onBehalfOf: null })).toBe(true);
    }
  });
});
