import { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';
import type { PartyId, TaskStatus } from '@tandem/schema';
import { activityRecordInput, consentInput, contactLabel, customerRecordInput, hubId, NotFoundError, parseOrThrow, taskInput } from '@tandem/schema';
import {
  ActivityEntity,
  activityView,
  changeTaskStatus,
  customerOfSource,
  findOwnTaskView,
  findRecordedConsentView,
  runConsumerTransaction,
  taskGrant,
  TaskEntity,
  taskViewOf,
  type Em,
  type TaskView,
} from '@tandem/core';
import { appendToLog, OutboundFanOut } from '@tandem/connectors';
import { requireWriterRole } from '../auth/capability.js';
import { ingestApiEvent } from '../runtime/api-ingest.js';
import { builder } from './builder.js';
import type { GraphQLContext } from './context.js';
import { ActivityRef, CustomerRef } from './customer.graphql.js';
import { ConsentDecisionRef, ConsentPurposeEnum, TaskKindEnum, TaskRef } from './customer-360.graphql.js';
import { ChannelEnum, ContactLabelEnum, CustomerKindEnum, DirectionEnum, VehicleRelationEnum } from './enums.graphql.js';

/**
 * GraphQL sends `null` for a field left empty; the partner contracts say "absent". Drop null
 * object fields (at any depth) before the contract sees them, so both read the same.
 */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).flatMap(([key, field]) => (field === null ? [] : [[key, withoutNulls(field)]])));
}

/** A contract applied to a GraphQL input object, `defaults` filling what the API may leave out. */
function contract<S extends z.ZodType>(schema: S, defaults: () => Record<string, unknown> = () => ({})) {
  return z.preprocess((value) => ({ ...defaults(), ...(withoutNulls(value) as object) }), schema);
}

const instantDescription = 'ISO 8601 date-time with offset (`2026-04-01T09:30:00+02:00`).';

// ——— inputs: the partner contracts' fields; the sender is the caller's party ———

const RecordActivityInput = builder.inputType('RecordActivityInput', {
  description: "One contact with a customer, as `activity.recorded` from the caller's party. An interaction-center agent's activity is made on behalf of the client it acts for.",
  fields: (t) => ({
    externalId: t.string({ description: "The activity's id in the caller's system (idempotency key); default: a new id." }),
    customerExternalId: t.string({ required: true, description: "The customer's id in the caller's party's own records." }),
    channel: t.field({ type: ChannelEnum, required: true }),
    direction: t.field({ type: DirectionEnum, required: true }),
    occurredAt: t.string({ required: true, description: instantDescription }),
    durationSeconds: t.int(),
    subject: t.string(),
    outcome: t.string({ description: 'The conversation result.' }),
    content: t.string({ description: 'Mail or letter text.' }),
    actor: t.string({ description: "Who had the contact; default: the caller's subject." }),
    brand: t.string(),
  }),
}).validate(contract(activityRecordInput.omit({ onBehalfOf: true }), () => ({ externalId: uuidv7() })));

const PhoneInput = builder.inputType('PhoneInput', {
  description: "A phone number in any format; national formats are read in `region`, else in the caller's country.",
  fields: (t) => ({
    value: t.string({ required: true }),
    region: t.string({ description: 'ISO 3166-1 alpha-2 country for a national-format number.' }),
    label: t.field({ type: ContactLabelEnum }),
  }),
});

const EmailInput = builder.inputType('EmailInput', {
  fields: (t) => ({ value: t.string({ required: true }), label: t.field({ type: ContactLabelEnum }) }),
});

const PostalAddressInput = builder.inputType('PostalAddressInput', {
  fields: (t) => ({
    street: t.string({ required: true }),
    postalCode: t.string({ required: true }),
    city: t.string({ required: true }),
    country: t.string({ required: true, description: 'ISO 3166-1 alpha-2.' }),
    label: t.field({ type: ContactLabelEnum }),
  }),
});

const VehicleInput = builder.inputType('VehicleInput', {
  fields: (t) => ({
    vin: t.string({ required: true }),
    brand: t.string({ required: true }),
    model: t.string({ required: true }),
    registrationDate: t.string({ description: 'ISO 8601 calendar date.' }),
    relation: t.field({ type: VehicleRelationEnum }),
  }),
});

/**
 * Phones are read in the caller's country, which a context-free validator cannot know: this
 * stage checks everything else against the contract and passes phones through; the resolver
 * parses the whole record once more with `customerRecordInput(<caller's country>)`.
 */
const customerRecordShape = customerRecordInput().safeExtend({
  phones: z.array(z.looseObject({ value: z.string(), label: contactLabel.default('other') })).max(20).default([]),
});

const UpsertContactInput = builder.inputType('UpsertContactInput', {
  description: "The caller's party's record of a customer, as `contact.upserted`: linked to the golden customer by identity resolution.",
  fields: (t) => ({
    externalId: t.string({ required: true, description: "The customer's id in the caller's system." }),
    kind: t.field({ type: CustomerKindEnum, description: 'Default: person.' }),
    givenName: t.string(),
    familyName: t.string({ description: 'Required for a person.' }),
    companyName: t.string({ description: 'Required for a company.' }),
    preferredLanguage: t.string({ description: 'BCP 47 language tag.' }),
    phones: t.field({ type: [PhoneInput] }),
    emails: t.field({ type: [EmailInput] }),
    addresses: t.field({ type: [PostalAddressInput] }),
    vehicles: t.field({ type: [VehicleInput] }),
  }),
}).validate(contract(customerRecordShape));

const RecordConsentInput = builder.inputType('RecordConsentInput', {
  description: "A customer's consent decision with its proof, as `consent.recorded` from the caller's party.",
  fields: (t) => ({
    customerExternalId: t.string({ required: true }),
    purpose: t.field({ type: ConsentPurposeEnum, required: true }),
    channel: t.field({ type: ChannelEnum, description: 'Omit for a decision that covers every channel.' }),
    granted: t.boolean({ required: true }),
    recordedAt: t.string({ description: `When the customer decided. ${instantDescription} Default: now.` }),
    proof: t.string({ required: true, description: 'How the decision was captured: call id, signed form reference…' }),
  }),
}).validate(contract(consentInput, () => ({ recordedAt: new Date().toISOString() })));

const CreateTaskInput = builder.inputType('CreateTaskInput', {
  description: "A case handed to another party, as `task.created` from the caller's party. An interaction-center agent's task is made on behalf of the client it acts for.",
  fields: (t) => ({
    externalId: t.string({ description: "The task's id in the caller's system (idempotency key); default: a new id." }),
    customerExternalId: t.string({ required: true }),
    assignee: t.id({ required: true, description: 'The party to hand the task to; it must hold the `tasks` class from the caller.' }),
    kind: t.field({ type: TaskKindEnum, required: true }),
    title: t.string({ required: true }),
    description: t.string(),
    dueAt: t.string({ description: instantDescription }),
  }),
}).validate(contract(taskInput.omit({ onBehalfOf: true }), () => ({ externalId: uuidv7() })));

// ——— payloads ———

const UpsertContactPayloadRef = builder.objectRef<{ customerId: string }>('UpsertContactPayload').implement({
  fields: (t) => ({
    customerId: t.exposeID('customerId', { description: 'The golden customer the record is linked to.' }),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description: 'The customer as the caller may see it now (null while no visible party shares it, e.g. an interaction center acting for a client that has no record of it).',
      resolve: (payload, _args, context) => context.customers.load(payload.customerId).then((view) => view ?? null),
    }),
  }),
});

const RecordConsentPayloadRef = builder.objectRef<{ customerId: string; decision: Awaited<ReturnType<typeof findRecordedConsentView>> }>('RecordConsentPayload').implement({
  fields: (t) => ({
    customerId: t.exposeID('customerId'),
    decision: t.field({
      type: ConsentDecisionRef,
      nullable: true,
      description: "The recorded decision as the caller may see it (null for an interaction center acting for a client: the center's own records are not the client's).",
      resolve: (payload, _args, context) => {
        if (payload.decision) context.accessTrail?.noteSourced('consent', [payload.decision]);
        return payload.decision ?? null;
      },
    }),
  }),
});

// ——— mutations ———

/**
 * The caller's party and, for an interaction-center agent, the client it acts for (checked by its
 * scope) as the `onBehalfOf` its events carry: what the agent records is the client's data.
 */
async function writer(context: GraphQLContext): Promise<{ party: PartyId; onBehalfOf: { onBehalfOf?: PartyId } }> {
  const principal = context.principal!;
  requireWriterRole(principal);
  await context.scope();
  return { party: principal.party, onBehalfOf: principal.actingFor ? { onBehalfOf: principal.actingFor } : {} };
}

builder.mutationFields((t) => ({
  recordActivity: t.field({
    type: ActivityRef,
    description: 'Records a contact (a call wrap-up, a visit…) through the sync pipeline; every party granted it receives `activity.shared`.',
    args: { input: t.arg({ type: RecordActivityInput, required: true }) },
    authScopes: { authenticated: true },
    resolve: async (_root, { input }, context) => {
      const { party, onBehalfOf } = await writer(context);
      const payload = { ...input, actor: input.actor ?? context.principal!.subject, ...onBehalfOf };
      await ingestApiEvent({ orm: context.orm }, party, { type: 'activity.recorded', payload, customerExternalId: input.customerExternalId });
      const row = await context.em.findOneOrFail(ActivityEntity, { party, externalId: input.externalId }, { refresh: true });
      const scope = await context.scope();
      const view = activityView(row, scope);
      context.accessTrail?.noteActivities([view], scope);
      return view;
    },
  }),
  upsertContact: t.field({
    type: UpsertContactPayloadRef,
    description:
      "Creates or updates the caller's party's record of a customer through the sync pipeline (identity resolution, golden record, `customer.projected` to granted parties). An interaction-center agent's record is captured on behalf of the client it acts for: the client's data, shared under the client's agreements.",
    args: { input: t.arg({ type: UpsertContactInput, required: true }) },
    authScopes: { authenticated: true },
    resolve: async (_root, { input }, context) => {
      const { party, onBehalfOf } = await writer(context);
      const record = parseOrThrow(customerRecordInput(await context.viewerCountry()), { ...input, ...onBehalfOf }, 'input');
      await ingestApiEvent({ orm: context.orm }, party, { type: 'contact.upserted', payload: record, customerExternalId: record.externalId });
      const customerId = await customerOfSource(context.em, party, record.externalId);
      if (!customerId) throw new NotFoundError('Customer record', record.externalId);
      context.customers.clear(customerId);
      return { customerId };
    },
  }),
  recordConsent: t.field({
    type: RecordConsentPayloadRef,
    description: "Records a customer's consent decision with its proof through the sync pipeline.",
    args: { input: t.arg({ type: RecordConsentInput, required: true }) },
    authScopes: { authenticated: true },
    resolve: async (_root, { input }, context) => {
      const { party } = await writer(context);
      await ingestApiEvent({ orm: context.orm }, party, { type: 'consent.recorded', payload: input, customerExternalId: input.customerExternalId });
      const customerId = await customerOfSource(context.em, party, input.customerExternalId);
      if (!customerId) throw new NotFoundError('Customer record', input.customerExternalId);
      const statement = { customerId, purpose: input.purpose, channel: input.channel ?? null, recordedAt: input.recordedAt, recordedBy: party };
      return { customerId, decision: await findRecordedConsentView(context.em, await context.scope(), statement) };
    },
  }),
  createTask: t.field({
    type: TaskRef,
    description: 'Hands a case to another party through the sync pipeline; the assignee receives `task.assigned`.',
    args: { input: t.arg({ type: CreateTaskInput, required: true }) },
    authScopes: { authenticated: true },
    resolve: async (_root, { input }, context) => {
      const { party, onBehalfOf } = await writer(context);
      const payload = { ...input, ...onBehalfOf };
      await ingestApiEvent({ orm: context.orm }, party, { type: 'task.created', payload, customerExternalId: input.customerExternalId });
      const task = await findOwnTaskView(context.em, await context.scope(), party, input.externalId);
      if (!task) throw new NotFoundError('Task', input.externalId);
      return noteTask(context, task);
    },
  }),
  acceptTask: t.field({
    type: TaskRef,
    description: 'The assignee takes the task on; its creator receives `task.assigned` with the new status.',
    args: { id: t.arg.id({ required: true, validate: hubId }) },
    authScopes: { authenticated: true },
    resolve: (_root, args, context) => moveTask(context, String(args.id), 'accepted'),
  }),
  completeTask: t.field({
    type: TaskRef,
    description: 'The assignee finishes the task; its creator receives `task.assigned` with the new status.',
    args: { id: t.arg.id({ required: true, validate: hubId }) },
    authScopes: { authenticated: true },
    resolve: (_root, args, context) => moveTask(context, String(args.id), 'completed'),
  }),
}));

/**
 * A status change has no inbound event type: it is applied like one — the change and its fan-out
 * to the outbox in one transaction. A task the caller may not see is NOT_FOUND, as if it did not exist.
 */
async function moveTask(context: GraphQLContext, taskId: string, status: TaskStatus): Promise<TaskView> {
  const { party } = await writer(context);
  const scope = await context.scope();
  const at = new Date();
  const task = await runConsumerTransaction(context.orm, async (em: Em) => {
    const before = await em.findOne(TaskEntity, { id: taskId });
    if (!before || !taskGrant(scope, before)) throw new NotFoundError('Task', taskId);
    const previous = before.status;
    const moved = await changeTaskStatus(em, party, taskId, status, at);
    if (moved.status !== previous) {
      const messages = await new OutboundFanOut(at).project(em, party, [{ kind: 'task', task: moved, occurredAt: at }]);
      await em.flush();
      await appendToLog(em, messages);
    }
    return moved;
  });
  const view = taskViewOf(task, scope);
  if (!view) throw new NotFoundError('Task', taskId);
  return noteTask(context, view);
}

function noteTask(context: GraphQLContext, task: TaskView): TaskView {
  context.accessTrail?.noteSourced('tasks', [{ ...task, sourceParty: task.onBehalfOf ?? task.creator }]);
  return task;
}
