import type { PartyId, TaskStatus } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { RowReader } from '../database/read-rows.js';
import type { AccessScope, Grant } from '../sharing/access-scope.js';
import { visibleCustomerIds, type Sourced } from '../customers/customer-view.service.js';
import { TaskEntity, type TaskRow } from './task.entity.js';

/** A task as the viewer may see it; `sourceParty` is its creator. */
export interface TaskView extends Sourced {
  readonly id: string;
  readonly customerId: string;
  readonly creator: PartyId;
  readonly assignee: PartyId;
  readonly kind: TaskRow['kind'];
  readonly title: string;
  readonly description: string | null;
  readonly dueAt: Date | null;
  readonly status: TaskStatus;
  readonly onBehalfOf: PartyId | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Statuses of a task still to be worked. */
export const openTaskStatuses: readonly TaskStatus[] = ['open', 'accepted'];

/**
 * How the viewer may see a task, or undefined. The two sides of the hand-off (creator and
 * assignee) see it as their own — acting for a client, only a task about that client (made on
 * its behalf, or handed between the center and the client). Anyone else needs the `tasks` class
 * of the task's controller: the client an interaction center made it for, else its creator
 * (the same reading as activities, so two clients of one center never see each other's tasks).
 */
export function taskGrant(scope: AccessScope, task: Pick<TaskRow, 'creator' | 'assignee' | 'onBehalfOf'>): Grant | undefined {
  const { party, actingFor } = scope.viewer;
  if (task.creator === party || task.assignee === party) {
    if (!actingFor) return { kind: 'own' };
    const otherSide = task.creator === party ? task.assignee : task.creator;
    if (task.onBehalfOf === actingFor || (!task.onBehalfOf && otherSide === actingFor)) return { kind: 'own' };
  }
  return scope.grantFor(task.onBehalfOf ?? task.creator, 'tasks');
}

export function taskViewOf(task: TaskRow, scope: AccessScope): TaskView | undefined {
  const grant = taskGrant(scope, task);
  if (!grant) return undefined;
  return {
    id: task.id,
    customerId: task.customer,
    creator: task.creator,
    assignee: task.assignee,
    kind: task.kind,
    title: task.title,
    description: task.description ?? null,
    dueAt: task.dueAt ?? null,
    status: task.status,
    onBehalfOf: task.onBehalfOf ?? null,
    createdAt: task.createdAt,
    updatedAt: task.updatedAt,
    sourceParty: task.creator,
    grant,
  };
}

/** Open and accepted tasks of several customers that the viewer may see, in one query; soonest due first (undated last), then oldest. */
export async function loadOpenTaskViews(em: Em, scope: AccessScope, customerIds: readonly string[]): Promise<Map<string, TaskView[]>> {
  const ids = [...new Set(customerIds)];
  const result = new Map<string, TaskView[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return result;
  const statuses = openTaskStatuses.map(() => '?').join(', ');
  const rows = await new RowReader(em).selectIn<TaskRow>(TaskEntity, 'customer_id', ids, 'order by "created_at" asc, "id" asc', `"status" in (${statuses})`, openTaskStatuses);
  for (const row of rows) {
    const view = taskViewOf(row, scope);
    if (view) result.get(row.customer)?.push(view);
  }
  const due = (task: TaskView) => task.dueAt?.getTime() ?? Number.POSITIVE_INFINITY;
  for (const list of result.values()) list.sort((a, b) => due(a) - due(b));
  return result;
}

/** A task by id as the viewer may see it; undefined when it does not exist or is not visible (indistinguishable). */
export async function findTaskView(em: Em, scope: AccessScope, taskId: string): Promise<TaskView | undefined> {
  const row = await em.findOne(TaskEntity, { id: taskId }, { refresh: true });
  return row ? taskViewOf(row, scope) : undefined;
}

/** The viewer's view of a task it created, by its own external id. */
export async function findOwnTaskView(em: Em, scope: AccessScope, creator: PartyId, externalId: string): Promise<TaskView | undefined> {
  const row = await em.findOne(TaskEntity, { creator, externalId }, { refresh: true });
  return row ? taskViewOf(row, scope) : undefined;
}

/**
 * Tasks by id as the viewer's customer views show them (`openTasks`, any status): a task is there
 * when the viewer may see it and its customer; unknown and forbidden ids are both absent (uniform
 * denial). Two queries for any number of ids.
 */
export async function loadTaskViewsById(em: Em, scope: AccessScope, ids: readonly string[]): Promise<Map<string, TaskView>> {
  const views = new Map<string, TaskView>();
  const unique = [...new Set(ids)];
  if (unique.length === 0) return views;
  const rows = await em.find(TaskEntity, { id: { $in: unique } });
  const visible = rows.flatMap((row) => taskViewOf(row, scope) ?? []);
  const customers = await visibleCustomerIds(em, scope, visible.map((task) => task.customerId));
  for (const task of visible) if (customers.has(task.customerId)) views.set(task.id, task);
  return views;
}
