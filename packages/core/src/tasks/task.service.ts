import { v7 as uuidv7 } from 'uuid';
import type { PartyId, TaskRecord, TaskStatus } from '@tandem/schema';
import { NotFoundError, TandemError, ValidationError } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { customerOfSource } from '../customers/golden-record.service.js';
import { PartyEntity } from '../parties/party.entity.js';
import { AccessScope } from '../sharing/access-scope.js';
import { TaskEntity, type TaskRow } from './task.entity.js';

/** What a task record states, as the columns of its row (for `recordTask` and the seed's bulk writes). */
export function taskFacts(record: TaskRecord, customerId: string) {
  return {
    customer: customerId,
    assignee: record.assignee,
    kind: record.kind,
    title: record.title,
    description: record.description ?? null,
    dueAt: record.dueAt ?? null,
    onBehalfOf: record.onBehalfOf ?? null,
  };
}

export interface TaskChange {
  readonly task: TaskRow;
  readonly created: boolean;
}

/**
 * Records a task a party hands to another (or corrects one it sent before: same creator and
 * external id). The assignee must exist and hold the `tasks` data class from the creator in an
 * agreement in force at `at` — a task is never handed to a party that may not see it.
 * Status is kept on correction; it moves only through `changeTaskStatus`.
 */
export async function recordTask(em: Em, creator: PartyId, record: TaskRecord, at: Date): Promise<TaskChange> {
  const customerId = await customerOfSource(em, creator, record.customerExternalId, record.onBehalfOf);
  if (!customerId) {
    throw new TandemError(
      'NOT_FOUND',
      'UNKNOWN_CUSTOMER',
      `customerExternalId: ${creator} has no customer ${JSON.stringify(record.customerExternalId)}; send contact.upserted first`,
      { issues: [{ path: 'customerExternalId', message: `${creator} has no customer with this id` }] },
    );
  }
  if (record.assignee !== creator) {
    const assignee = await em.findOne(PartyEntity, { id: record.assignee }, { fields: ['id'] });
    if (!assignee) throw new ValidationError([{ path: 'assignee', message: `party ${record.assignee} does not exist` }], 'UNKNOWN_PARTY');
    const scope = await AccessScope.load(em, { party: record.assignee }, at);
    if (!scope.canSee(creator, 'tasks')) {
      throw new TandemError('FORBIDDEN', 'TASK_NOT_SHARED', `assignee: ${record.assignee} holds no agreement from ${creator} that shares tasks`, {
        issues: [{ path: 'assignee', message: `holds no agreement from ${creator} that shares tasks` }],
      });
    }
  }
  const facts = taskFacts(record, customerId);
  const existing = await em.findOne(TaskEntity, { creator, externalId: record.externalId });
  if (existing) {
    em.assign(existing, { ...facts, updatedAt: at > existing.updatedAt ? at : existing.updatedAt });
    return { task: existing, created: false };
  }
  const task = em.create(TaskEntity, { id: uuidv7(), creator, externalId: record.externalId, ...facts, status: 'open', createdAt: at, updatedAt: at });
  return { task, created: true };
}

/** Who may move a task from a status to another: the assignee works it, the creator withdraws it. */
const transitions: Record<TaskStatus, Partial<Record<TaskStatus, 'assignee' | 'creator'>>> = {
  open: { accepted: 'assignee', rejected: 'assignee', completed: 'assignee', cancelled: 'creator' },
  accepted: { completed: 'assignee', rejected: 'assignee', cancelled: 'creator' },
  completed: {},
  rejected: {},
  cancelled: {},
};

/**
 * Moves a task to `status` on behalf of `party`. Only the assignee accepts, rejects or completes
 * it; only the creator cancels it; finished tasks do not move (CONFLICT `INVALID_TASK_TRANSITION`).
 * A party that is neither creator nor assignee gets NOT_FOUND, as if the task did not exist.
 */
export async function changeTaskStatus(em: Em, party: PartyId, taskId: string, status: TaskStatus, at: Date): Promise<TaskRow> {
  const task = await em.findOne(TaskEntity, { id: taskId });
  if (!task || (task.creator !== party && task.assignee !== party)) throw new NotFoundError('Task', taskId);
  if (task.status === status) return task;
  const role = transitions[task.status][status];
  const actsAs = task.assignee === party && role === 'assignee' ? 'assignee' : task.creator === party && role === 'creator' ? 'creator' : undefined;
  if (!actsAs) {
    const reason = role ? `only the ${role} may do that` : `a ${task.status} task cannot become ${status}`;
    throw new TandemError('CONFLICT', 'INVALID_TASK_TRANSITION', `Task ${taskId}: ${reason}`, { issues: [{ path: 'status', message: reason }] });
  }
  task.status = status;
  task.updatedAt = at;
  return task;
}

export async function getTask(em: Em, taskId: string): Promise<TaskRow> {
  const task = await em.findOne(TaskEntity, { id: taskId });
  if (!task) throw new NotFoundError('Task', taskId);
  return task;
}
