import { v7 as uuidv7 } from 'uuid';
import type { SharingAgreement, SharingAgreementInput } from '@tandem/schema';
import { NotFoundError, parseOrThrow, sharingAgreementInput, ValidationError } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { PartyEntity } from '../parties/party.entity.js';
import { SharingAgreementEntity, type SharingAgreementRow } from './sharing-agreement.entity.js';

/** Records a new agreement; it applies to the next event and the next read. Both parties must exist. */
export async function grantSharing(em: Em, input: SharingAgreementInput): Promise<SharingAgreement> {
  const agreement = parseOrThrow(sharingAgreementInput, input);
  const parties = await em.find(PartyEntity, { id: { $in: [agreement.grantor, agreement.grantee] } });
  const missing = (['grantor', 'grantee'] as const).filter((field) => !parties.some((row) => row.id === agreement[field]));
  if (missing.length > 0) {
    throw new ValidationError(missing.map((field) => ({ path: field, message: `party ${agreement[field]} does not exist` })), 'UNKNOWN_PARTY');
  }
  const row = em.create(SharingAgreementEntity, {
    id: uuidv7(),
    ...agreement,
    validUntil: agreement.validUntil ?? null,
    revokedAt: null,
    createdAt: new Date(),
  });
  await em.flush();
  return toSharingAgreement(row);
}

/** Ends an agreement at `at`: from then on no read and no outbound event uses it. */
export async function revokeSharing(em: Em, id: string, at = new Date()): Promise<SharingAgreement> {
  const row = await em.findOne(SharingAgreementEntity, { id });
  if (!row) throw new NotFoundError('Sharing agreement', id);
  row.revokedAt = at;
  await em.flush();
  return toSharingAgreement(row);
}

export async function listSharingAgreements(em: Em, party: string): Promise<SharingAgreement[]> {
  const rows = await em.find(SharingAgreementEntity, { $or: [{ grantor: party }, { grantee: party }] }, { orderBy: { createdAt: 'asc' } });
  return rows.map(toSharingAgreement);
}

export function toSharingAgreement(row: SharingAgreementRow): SharingAgreement {
  return {
    id: row.id,
    grantor: row.grantor,
    grantee: row.grantee,
    dataClasses: row.dataClasses,
    purpose: row.purpose,
    validFrom: row.validFrom,
    validUntil: row.revokedAt && (!row.validUntil || row.revokedAt < row.validUntil) ? row.revokedAt : (row.validUntil ?? null),
  };
}
