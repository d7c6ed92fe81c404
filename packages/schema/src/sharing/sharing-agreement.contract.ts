import { z } from 'zod';
import { hubId, instant, partyId } from '../common/common.contract.js';

/**
 * What a sharing agreement can grant. `activities` covers the facts of a contact (channel, time,
 * subject, outcome); `content` adds mail and letter text.
 */
export const dataClasses = ['identity', 'contact', 'vehicles', 'activities', 'content', 'consent', 'tasks'] as const;
export const dataClass = z.enum(dataClasses);
export type DataClass = z.infer<typeof dataClass>;

export const sharingPurposes = ['sales', 'service', 'customer_care', 'marketing', 'analytics'] as const;
export const sharingPurpose = z.enum(sharingPurposes);

/** The grantor lets the grantee see its customers' data of the listed classes for a purpose, within a validity window. */
export const sharingAgreementInput = z
  .object({
    grantor: partyId,
    grantee: partyId,
    dataClasses: z.array(dataClass).min(1, 'must grant at least one data class'),
    purpose: sharingPurpose,
    validFrom: instant,
    validUntil: instant.optional(),
  })
  .superRefine((value, ctx) => {
    if (value.grantor === value.grantee) {
      ctx.addIssue({ code: 'custom', path: ['grantee'], message: 'must differ from the grantor' });
    }
    if (value.validUntil && value.validUntil <= value.validFrom) {
      ctx.addIssue({ code: 'custom', path: ['validUntil'], message: 'must be after validFrom' });
    }
    if (value.dataClasses.includes('content') && !value.dataClasses.includes('activities')) {
      ctx.addIssue({ code: 'custom', path: ['dataClasses'], message: 'content is only shared together with activities' });
    }
  });
export type SharingAgreementInput = z.input<typeof sharingAgreementInput>;

export const sharingAgreement = z.object({
  id: hubId,
  grantor: partyId,
  grantee: partyId,
  dataClasses: z.array(dataClass),
  purpose: sharingPurpose,
  validFrom: z.date(),
  validUntil: z.date().nullable(),
});
export type SharingAgreement = z.output<typeof sharingAgreement>;
