import { z } from 'zod';
import { partyId } from '../common/common.contract.js';
import { channel, direction } from '../activities/activity.contract.js';
import { customerKind } from '../customers/customer.contract.js';
import { contactLabel } from '../customers/contact-point.contract.js';
import { vehicleRelation } from '../customers/vehicle.contract.js';
import { taskKinds, taskStatus } from '../tasks/task.contract.js';

const isoInstant = z.iso.datetime({ offset: true });

/**
 * What a recipient party receives about a customer: only the sections its agreements grant
 * (`identity`, `contact`, `vehicles`); absent sections are not shared, not empty.
 */
export const customerProjectedV1 = z.object({
  customerId: z.uuid(),
  /** The recipient's own ids for this customer, when it has a record of its own. */
  yourExternalIds: z.array(z.string()),
  identity: z
    .object({
      kind: customerKind,
      givenName: z.string().nullable(),
      familyName: z.string().nullable(),
      companyName: z.string().nullable(),
      preferredLanguage: z.string().nullable(),
    })
    .optional(),
  contact: z
    .object({
      phones: z.array(z.object({ value: z.string(), label: contactLabel })),
      emails: z.array(z.object({ value: z.string(), label: contactLabel })),
      addresses: z.array(
        z.object({ street: z.string(), postalCode: z.string(), city: z.string(), country: z.string(), label: contactLabel }),
      ),
    })
    .optional(),
  vehicles: z
    .array(
      z.object({
        vin: z.string(),
        brand: z.string(),
        model: z.string(),
        registrationDate: z.string().optional(),
        relation: vehicleRelation,
      }),
    )
    .optional(),
});
export type CustomerProjectedV1 = z.infer<typeof customerProjectedV1>;

/** An activity of another party, shared under the `activities` data class; `content` only with `content`. */
export const activitySharedV1 = z.object({
  customerId: z.uuid(),
  activityId: z.uuid(),
  party: partyId,
  channel,
  direction,
  occurredAt: isoInstant,
  durationSeconds: z.number().int().nullable(),
  subject: z.string().nullable(),
  outcome: z.string().nullable(),
  content: z.string().nullable().optional(),
  onBehalfOf: partyId.nullable(),
});
export type ActivitySharedV1 = z.infer<typeof activitySharedV1>;

/** A task handed to the recipient (or an update of one it created). */
export const taskAssignedV1 = z.object({
  taskId: z.uuid(),
  customerId: z.uuid(),
  creator: partyId,
  assignee: partyId,
  kind: z.enum(taskKinds),
  title: z.string(),
  description: z.string().nullable(),
  dueAt: isoInstant.nullable(),
  status: taskStatus,
});

export const outboundPayloads = {
  'customer.projected': { 1: customerProjectedV1 },
  'activity.shared': { 1: activitySharedV1 },
  'task.assigned': { 1: taskAssignedV1 },
} as const;
export type OutboundEventType = keyof typeof outboundPayloads;
