import { z } from 'zod';
import { partyId } from '../common/common.contract.js';

/**
 * Every message on every topic: `key` is the partition key (golden customer id, or the source
 * record key `<party>:<externalId>` before resolution), `id` makes redelivery idempotent.
 */
export const eventEnvelope = z.object({
  id: z.uuid('must be a UUID'),
  type: z.string().regex(/^[a-z]+(\.[a-z-]+)+$/, 'must be a dotted event type such as contact.upserted'),
  version: z.number().int().positive('must be a positive integer'),
  occurredAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with offset' }),
  source: partyId,
  key: z.string().min(1, 'must not be empty').max(300),
  payload: z.unknown(),
});
export type EventEnvelope<P = unknown> = Omit<z.infer<typeof eventEnvelope>, 'payload'> & { payload: P };
