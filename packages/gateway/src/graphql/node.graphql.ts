import DataLoader from 'dataloader';
import { z } from 'zod';
import { brandWithType, createContextCache, type OutputType, type SchemaTypes } from '@pothos/core';
import { loadActivityViewsById, loadTaskViewsById, type DeadLetterRow, type TaskView } from '@tandem/core';
import { hubId, type Party } from '@tandem/schema';
import { builder } from './builder.js';
import type { ActivityView, CustomerView, GraphQLContext } from './context.js';
import { ActivityRef, CustomerRef } from './customer.graphql.js';
import { TaskRef } from './customer-360.graphql.js';
import { DeadLetterRef, loadVisibleDeadLetters } from './dead-letter.graphql.js';
import { PartyRef, partyDirectory } from './party.graphql.js';

/** The largest `nodes(ids:)` list: one batch, whatever its size, but bounded like every page. */
const maxNodeIds = 100;

/** What an id can name, by GraphQL type. */
type NodeValue = CustomerView | ActivityView | TaskView | Party | DeadLetterRow;

/**
 * Tandem's ids are already global: customers, activities, tasks and dead letters have UUID v7 ids
 * (one namespace across the hub), parties their slug — the same id in the API, the Kafka events,
 * webhooks, the CLI and the access audit. So a node id is the record's id, and finding it asks each
 * table once per batch. Each lookup applies the policy of the path that shows that record
 * (customer view, timeline, open tasks, dead letters, party directory) and notes the read in the
 * access trail; what the caller may not see is null, exactly like an id that does not exist.
 */
export const nodeLoader = createContextCache(
  (context: GraphQLContext) =>
    new DataLoader<string, NodeValue | null>(async (ids) => {
      const scope = await context.scope();
      const recordIds: string[] = [];
      const partyIds = new Set<string>();
      for (const id of ids) {
        if (hubId.safeParse(id).success) recordIds.push(id);
        else partyIds.add(id);
      }
      const [customers, activities, tasks, letters, parties] = await Promise.all([
        context.customers.loadMany(recordIds),
        loadActivityViewsById(context.em, scope, recordIds),
        loadTaskViewsById(context.em, scope, recordIds),
        loadVisibleDeadLetters(context, recordIds),
        partyIds.size > 0 ? partyDirectory(context) : [],
      ]);
      const found = new Map<string, NodeValue>();
      customers.forEach((customer, index) => {
        if (customer && !(customer instanceof Error)) found.set(recordIds[index]!, branded(customer, CustomerRef));
      });
      context.accessTrail?.noteActivities([...activities.values()], scope);
      for (const [id, activity] of activities) found.set(id, branded(activity, ActivityRef));
      // A task made for a client is the client's data: its agreement is the one used (as in openTasks).
      context.accessTrail?.noteSourced('tasks', [...tasks.values()].map((task) => ({ ...task, sourceParty: task.onBehalfOf ?? task.creator })));
      for (const [id, task] of tasks) found.set(id, branded(task, TaskRef));
      for (const letter of letters) found.set(letter.id, branded(letter, DeadLetterRef));
      for (const party of parties) if (partyIds.has(party.id)) found.set(party.id, branded(party, PartyRef));
      return ids.map((id) => found.get(id) ?? null);
    }),
);

/** The value, marked with its GraphQL type so the Node interface resolves it. */
function branded<T extends NodeValue>(value: T, type: OutputType<SchemaTypes>): T {
  brandWithType(value, type);
  return value;
}

const NodeInterface = builder.nodeInterfaceRef();

builder.queryFields((t) => ({
  node: t.field({
    type: NodeInterface,
    nullable: true,
    description:
      'Any record by its id (Relay object identification): a customer, activity, task, dead letter or party. Null when it does not exist or the caller may not see it (indistinguishable by design).',
    args: { id: t.arg.id({ required: true }) },
    authScopes: { authenticated: true },
    resolve: (_root, args, context) => nodeLoader(context).load(String(args.id)),
  }),
  nodes: t.field({
    type: [NodeInterface],
    nullable: { list: false, items: true },
    description: `Several records by id, in the order asked, loaded together; each entry as \`node\` answers it. At most ${maxNodeIds} ids.`,
    args: { ids: t.arg.idList({ required: true, validate: z.array(z.unknown()).max(maxNodeIds, `must list at most ${maxNodeIds} ids`) }) },
    authScopes: { authenticated: true },
    resolve: async (_root, args, context) =>
      (await nodeLoader(context).loadMany(args.ids.map(String))).map((value) => {
        if (value instanceof Error) throw value;
        return value;
      }),
  }),
}));
