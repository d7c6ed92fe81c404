import { z } from 'zod';
import { externalId, instant } from '../common/common.contract.js';
import { channel } from '../activities/activity.contract.js';

export const consentPurposes = ['marketing', 'service_reminders', 'surveys', 'profiling', 'data_sharing'] as const;
export const consentPurpose = z.enum(consentPurposes);

/** A customer's consent decision for one purpose (and optionally one channel), with its proof. */
export const consentInput = z.object({
  customerExternalId: externalId,
  purpose: consentPurpose,
  channel: channel.optional(),
  granted: z.boolean(),
  recordedAt: instant,
  /** How the decision was captured: a call id, a signed form reference, a web form submission. */
  proof: z.string().trim().min(1, 'must say how the decision was captured').max(2_000),
});
export type ConsentRecord = z.output<typeof consentInput>;
