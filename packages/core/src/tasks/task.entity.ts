import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { taskKinds, taskStatuses } from '@tandem/schema';
import { CustomerEntity } from '../customers/customer.entity.js';

/** A case handed from one party (creator) to another (assignee). */
export const TaskEntity = defineEntity({
  name: 'Task',
  tableName: 'task',
  properties: {
    id: p.uuid().primary(),
    customer: () => p.manyToOne(CustomerEntity).mapToPk().deleteRule('cascade').index('task_customer_idx'),
    creator: p.string().length(63),
    externalId: p.string().length(200),
    assignee: p.string().length(63),
    kind: p.enum([...taskKinds]),
    title: p.string().length(300),
    description: p.text().nullable(),
    dueAt: p.datetime().nullable(),
    status: p.enum([...taskStatuses]),
    onBehalfOf: p.string().length(63).nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
  uniques: [{ name: 'task_creator_external_uq', properties: ['creator', 'externalId'] }],
  indexes: [{ name: 'task_assignee_status_idx', properties: ['assignee', 'status'] }],
});
export type TaskRow = InferEntity<typeof TaskEntity>;
