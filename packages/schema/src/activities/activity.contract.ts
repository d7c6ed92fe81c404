import { z } from 'zod';
import { brand, externalId, hubId, instant, partyId } from '../common/common.contract.js';

export const channels = ['phone', 'email', 'letter', 'web', 'chat', 'sms', 'field_visit', 'walk_in'] as const;
export const channel = z.enum(channels);
export type Channel = z.infer<typeof channel>;

export const directions = ['inbound', 'outbound', 'internal'] as const;
export const direction = z.enum(directions);
export type Direction = z.infer<typeof direction>;

/** One contact with a customer on any channel, as the party that had it reports it. */
export const activityRecordInput = z.object({
  externalId,
  customerExternalId: externalId,
  channel,
  direction,
  occurredAt: instant,
  durationSeconds: z.number().int('must be whole seconds').min(0, 'must not be negative').max(86_400).optional(),
  subject: z.string().trim().max(300).optional(),
  /** The conversation result (`appointment booked`, `no interest`…). */
  outcome: z.string().trim().max(300).optional(),
  /** Mail or letter text; shared only under the `content` data class. */
  content: z.string().max(100_000).optional(),
  actor: z.string().trim().max(200).optional(),
  /** Set by interaction centers: the client party this contact was made for. */
  onBehalfOf: partyId.optional(),
  brand: brand.optional(),
});
export type ActivityRecord = z.output<typeof activityRecordInput>;
export type ActivityRecordInput = z.input<typeof activityRecordInput>;

export const activity = z.object({
  id: hubId,
  customerId: hubId,
  party: partyId,
  externalId: z.string(),
  channel,
  direction,
  occurredAt: z.date(),
  durationSeconds: z.number().int().nullable(),
  subject: z.string().nullable(),
  outcome: z.string().nullable(),
  content: z.string().nullable(),
  actor: z.string().nullable(),
  onBehalfOf: partyId.nullable(),
  brand: z.string().nullable(),
  recordedAt: z.date(),
});
export type Activity = z.output<typeof activity>;
