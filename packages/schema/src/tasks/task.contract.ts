import { z } from 'zod';
import { externalId, hubId, instant, partyId } from '../common/common.contract.js';

export const taskKinds = ['callback', 'lead', 'service_appointment', 'complaint', 'information'] as const;
export const taskStatuses = ['open', 'accepted', 'completed', 'rejected', 'cancelled'] as const;
export const taskStatus = z.enum(taskStatuses);
export type TaskStatus = z.infer<typeof taskStatus>;

/** A case handed from one party to another (an interaction center's lead to a dealer). */
export const taskInput = z
  .object({
    externalId,
    customerExternalId: externalId,
    assignee: partyId,
    kind: z.enum(taskKinds),
    title: z.string().trim().min(1, 'must not be empty').max(300),
    description: z.string().max(10_000).optional(),
    dueAt: instant.optional(),
    onBehalfOf: partyId.optional(),
  });
export type TaskRecord = z.output<typeof taskInput>;

export const task = z.object({
  id: hubId,
  customerId: hubId,
  creator: partyId,
  assignee: partyId,
  kind: z.enum(taskKinds),
  title: z.string(),
  description: z.string().nullable(),
  dueAt: z.date().nullable(),
  status: taskStatus,
  onBehalfOf: partyId.nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type Task = z.output<typeof task>;
