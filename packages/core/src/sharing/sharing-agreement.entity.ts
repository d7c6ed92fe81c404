import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { sharingPurposes, type DataClass } from '@tandem/schema';

export const SharingAgreementEntity = defineEntity({
  name: 'SharingAgreement',
  tableName: 'sharing_agreement',
  properties: {
    id: p.uuid().primary(),
    grantor: p.string().length(63).index('sharing_agreement_grantor_idx'),
    grantee: p.string().length(63).index('sharing_agreement_grantee_idx'),
    dataClasses: p.json<DataClass[]>(),
    purpose: p.enum([...sharingPurposes]),
    validFrom: p.datetime(),
    validUntil: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
  },
});
export type SharingAgreementRow = InferEntity<typeof SharingAgreementEntity>;
