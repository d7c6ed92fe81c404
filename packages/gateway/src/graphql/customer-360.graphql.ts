import { aidsForCustomer, type ArgumentationAidRow, type ConsentView, type TaskView } from '@tandem/core';
import { consentPurposes, taskKinds, taskStatuses } from '@tandem/schema';
import { builder } from './builder.js';
import { CustomerRef, SourceRef } from './customer.graphql.js';
import { ChannelEnum, CustomerKindEnum } from './enums.graphql.js';
import { customer360Loaders } from './customer-360.loaders.js';

export const ConsentPurposeEnum = builder.enumType('ConsentPurpose', { values: consentPurposes });
export const TaskKindEnum = builder.enumType('TaskKind', { values: taskKinds });
export const TaskStatusEnum = builder.enumType('TaskStatus', { values: taskStatuses });

export const ConsentDecisionRef = builder.objectRef<ConsentView>('ConsentDecision').implement({
  description: "A customer's consent decision in force for a purpose (and a channel), visible under the `consent` class of the party that recorded it.",
  fields: (t) => ({
    purpose: t.field({ type: ConsentPurposeEnum, resolve: (consent) => consent.purpose }),
    channel: t.field({ type: ChannelEnum, nullable: true, description: 'Null: every channel without a decision of its own.', resolve: (consent) => consent.channel }),
    granted: t.exposeBoolean('granted'),
    recordedAt: t.field({ type: 'DateTime', resolve: (consent) => consent.recordedAt }),
    proof: t.exposeString('proof', { description: 'How the decision was captured (call id, signed form reference…).' }),
    source: t.field({ type: SourceRef, description: 'The party that recorded the decision.', resolve: (consent) => consent }),
  }),
});

export const TaskRef = builder.objectRef<TaskView>('Task').implement({
  description: 'A case handed from one party (creator) to another (assignee): a lead, a callback, a service appointment…',
  interfaces: [builder.nodeInterfaceRef()],
  fields: (t) => ({
    id: t.exposeID('id'),
    customerId: t.exposeID('customerId'),
    kind: t.field({ type: TaskKindEnum, resolve: (task) => task.kind }),
    title: t.exposeString('title'),
    description: t.string({ nullable: true, resolve: (task) => task.description }),
    dueAt: t.field({ type: 'DateTime', nullable: true, resolve: (task) => task.dueAt }),
    status: t.field({ type: TaskStatusEnum, resolve: (task) => task.status }),
    creator: t.exposeID('creator'),
    assignee: t.exposeID('assignee'),
    onBehalfOf: t.id({ nullable: true, description: 'Interaction centers: the client the task was made for.', resolve: (task) => task.onBehalfOf }),
    createdAt: t.field({ type: 'DateTime', resolve: (task) => task.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (task) => task.updatedAt }),
    source: t.field({ type: SourceRef, resolve: (task) => task }),
  }),
});

const AidScopeRef = builder.objectRef<ArgumentationAidRow['appliesTo']>('ArgumentationAidScope').implement({
  description: 'What an aid applies to; an empty list means any.',
  fields: (t) => ({
    vehicleModels: t.exposeStringList('vehicleModels'),
    channels: t.field({ type: [ChannelEnum], resolve: (scope) => scope.channels }),
    customerKinds: t.field({ type: [CustomerKindEnum], resolve: (scope) => scope.customerKinds }),
  }),
});

export const ArgumentationAidRef = builder.objectRef<ArgumentationAidRow>('ArgumentationAid').implement({
  description: 'Talking points for a brand, optionally for a model, channel or customer kind.',
  fields: (t) => ({
    id: t.exposeID('id'),
    brand: t.exposeString('brand'),
    title: t.exposeString('title'),
    body: t.exposeString('body'),
    language: t.exposeString('language'),
    appliesTo: t.field({ type: AidScopeRef, resolve: (aid) => aid.appliesTo }),
  }),
});

builder.objectFields(CustomerRef, (t) => ({
  consent: t.field({
    type: [ConsentDecisionRef],
    description:
      'The current decision per purpose and channel. A decision shows only under the `consent` class of the party that recorded it; when the newest decision is not visible, no older one stands in for it.',
    resolve: (customer, _args, context) => customer360Loaders(context).consent.load(customer.id),
  }),
  openTasks: t.field({
    type: [TaskRef],
    description: "Open and accepted tasks: the viewer's own hand-offs (created or assigned) and those shared under the `tasks` class; soonest due first.",
    resolve: (customer, _args, context) => customer360Loaders(context).openTasks.load(customer.id),
  }),
  argumentationAids: t.field({
    type: [ArgumentationAidRef],
    description:
      "Aids of the viewer's brands (an interaction center's: its current client's) that match this customer's kind and the vehicle models the viewer sees; model-specific first.",
    args: { channel: t.arg({ type: ChannelEnum, description: 'Only aids for this channel (or for any channel).' }) },
    resolve: async (customer, args, context) => {
      const aids = await customer360Loaders(context).argumentationAids();
      return aidsForCustomer(aids, customer, args.channel ? { channel: args.channel } : {});
    },
  }),
}));
