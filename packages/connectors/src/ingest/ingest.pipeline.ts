import type { DecodedInboundEvent, PartyId } from '@tandem/schema';
import { decodeInboundEvent, isPhoneRegion, onBehalfOfIn, onBehalfOfRefusal, partyOfInboundTopic, TandemError, ValidationError } from '@tandem/schema';
import {
  ActivityBatch,
  announceCustomerChanges,
  deadLettersAtOffsets,
  domainErrorOfDriver,
  GoldenRecordBatch,
  markProcessedBatch,
  processedEventIds,
  recordCallEvent,
  recordConsent,
  recordDeadLetter,
  recordTask,
  ReferenceData,
  runConsumerTransaction,
  type CustomerViewData,
  type Em,
  type IdentityResolver,
  type Orm,
  type PartyRow,
} from '@tandem/core';
import type { ConsumedMessage, MessageBatch } from '../bus/bus.port.js';
import { appendToLog } from '../embedded/embedded-log.bus.js';
import { changedCustomers, OutboundFanOut, type SyncChange } from '../fan-out/fan-out.service.js';
import type { SyncInstrumentation } from '../instrumentation/sync-events.js';

export interface IngestDeps {
  readonly orm: Orm;
  readonly resolver: IdentityResolver;
  /** Inbox namespace of this handler (the consumer group): redelivered event ids are skipped per consumer. */
  readonly consumer: string;
  readonly events?: SyncInstrumentation;
  /** Time of processing: agreements in force and `recordedAt` are judged at it (default: the system clock). */
  readonly clock?: () => Date;
}

/** The sending party as far as the pipeline needs it. */
type Sender = Pick<PartyRow, 'id' | 'kind' | 'country' | 'clients'>;

/** A message after decoding: an event to apply, or the reason it cannot be taken. */
type Prepared =
  | { readonly kind: 'event'; readonly message: ConsumedMessage; readonly event: DecodedInboundEvent }
  | { readonly kind: 'rejected'; readonly message: ConsumedMessage; readonly error: TandemError };

interface DeadLettered {
  readonly message: ConsumedMessage;
  readonly deadLetterId: string;
  readonly code: string;
  readonly party: PartyId | null;
}

/** What one transaction did; merged over a split batch. */
interface Outcome {
  readonly applied: ConsumedMessage[];
  readonly duplicates: { readonly message: ConsumedMessage; readonly eventId: string }[];
  readonly deadLettered: DeadLettered[];
  /** Customers the applied events changed: announced to live readers once committed. */
  readonly customers: Set<string>;
}

/**
 * The handler for inbound topics (`tandem.in.<party>.v1`). Per batch: decode every message with
 * its contract (phones read in the sender's country), then in ONE transaction skip event ids the
 * inbox has seen, apply the rest, write the fan-out to the outbox and the inbox rows.
 *
 * A message that cannot be taken — undecodable, from the wrong party, or refused by a domain rule
 * (a TandemError with `retriable: false`) — goes to the dead letters with its original bytes and
 * the batch moves on. When the batch transaction fails, its messages are applied one transaction
 * each, so the good ones commit and only the bad one is dead-lettered. Retriable and unknown errors
 * reject the batch: the bus delivers it again and the inbox makes the replay idempotent.
 *
 * Batches of one topic's partitions that arrive while a transaction runs (a bus handing over
 * several partitions at once) are applied together in the next transaction as one batch, their
 * messages one partition after the other — at a steady rate each partition brings a few events,
 * and the reads, writes and commit are paid once for all of them instead of once per partition.
 * If that transaction fails, each batch is applied on its own as above.
 */
export function createIngestHandler(deps: IngestDeps): (batch: MessageBatch) => Promise<void> {
  const clock = deps.clock ?? (() => new Date());
  const waiting: Waiting[] = [];
  let applying = false;

  const applyWaiting = async (): Promise<void> => {
    try {
      while (waiting.length > 0) {
        const topic = waiting[0]!.batch.topic;
        const group: Waiting[] = [];
        for (let index = 0; index < waiting.length; ) {
          if (waiting[index]!.batch.topic === topic) group.push(...waiting.splice(index, 1));
          else index += 1;
        }
        await applyGroup(deps, clock(), group);
      }
    } finally {
      applying = false;
    }
  };

  return function handleInboundBatch(batch: MessageBatch): Promise<void> {
    if (batch.messages.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      waiting.push({ batch, resolve, reject });
      if (applying) return;
      applying = true;
      // After the batches handed over in the same turn (a fetch's partitions): they join this transaction.
      setImmediate(() => void applyWaiting());
    });
  };
}

/** A batch handed to the handler, until its transaction committed (or it failed). */
interface Waiting {
  readonly batch: MessageBatch;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Applies batches of one topic; settles each one's promise and never throws. */
async function applyGroup(deps: IngestDeps, at: Date, group: readonly Waiting[]): Promise<void> {
  const topic = group[0]!.batch.topic;
  const partyId = partyOfInboundTopic(topic);
  let reference: ReferenceData;
  let sender: Sender | undefined;
  try {
    ({ reference, sender } = await loadSender(deps.orm, partyId));
  } catch (error) {
    for (const waiting of group) waiting.reject(error);
    return;
  }
  // One fan-out for the group: agreements and recipients' scopes are taken once and shared by every path below.
  const context: ApplyContext = { deps, at, party: partyId ?? null, topic, fanOut: new OutboundFanOut(at, reference) };
  const batches = group.map((waiting) => ({ waiting, prepared: waiting.batch.messages.map((message) => prepare(message, topic, partyId, sender)) }));
  if (batches.length > 1) {
    try {
      const outcome = await runConsumerTransaction(deps.orm, (em) => applyAll(em, context, batches.flatMap((batch) => batch.prepared)), { attempts: 1 });
      report(deps, outcome);
      await announce(deps, outcome.customers);
      const takenIn = tally(outcome);
      for (const { waiting } of batches) {
        committed(deps, waiting.batch, takenIn(waiting.batch), false);
        waiting.resolve();
      }
      return;
    } catch {
      // Each batch alone, below: a bad message then costs only its own batch the split.
    }
  }
  for (const { waiting, prepared } of batches) {
    try {
      await applyBatch(context, waiting.batch, prepared);
      waiting.resolve();
    } catch (error) {
      waiting.reject(error);
    }
  }
}

/** One batch in one transaction; when it fails, one transaction per message. */
async function applyBatch(context: ApplyContext, batch: MessageBatch, prepared: readonly Prepared[]): Promise<void> {
  const { deps } = context;
  let outcome: Outcome;
  let split = false;
  try {
    outcome = await runConsumerTransaction(deps.orm, (em) => applyAll(em, context, prepared), { attempts: 1 });
    report(deps, outcome);
  } catch (error) {
    split = true;
    deps.events?.emit('batch.split', { topic: batch.topic, partition: batch.partition, count: batch.messages.length, error });
    outcome = await applyOneByOne(context, prepared);
  }
  await announce(deps, outcome.customers);
  committed(deps, batch, tally(outcome)(batch), split);
}

/** Tells live readers (subscriptions) which customers committed transactions changed; failing to tell is reported, it never fails the batch. */
async function announce(deps: IngestDeps, customers: Iterable<string>): Promise<void> {
  try {
    await announceCustomerChanges(deps.orm, customers);
  } catch (error) {
    deps.events?.emit('customers.unannounced', { error });
  }
}

/** How a batch's messages were taken. */
interface Taken {
  applied: number;
  duplicates: number;
  deadLettered: number;
}

/** How each batch's messages were taken by a transaction (which may have applied several batches). */
function tally(outcome: Outcome): (batch: MessageBatch) => Taken {
  const takenAs = new Map<ConsumedMessage, keyof Taken>([
    ...outcome.applied.map((message) => [message, 'applied'] as const),
    ...outcome.duplicates.map(({ message }) => [message, 'duplicates'] as const),
    ...outcome.deadLettered.map(({ message }) => [message, 'deadLettered'] as const),
  ]);
  return (batch) => {
    const taken: Taken = { applied: 0, duplicates: 0, deadLettered: 0 };
    for (const message of batch.messages) {
      const kind = takenAs.get(message);
      if (kind) taken[kind] += 1;
    }
    return taken;
  };
}

function committed(deps: IngestDeps, batch: MessageBatch, taken: Taken, split: boolean): void {
  deps.events?.emit('batch.committed', {
    topic: batch.topic,
    partition: batch.partition,
    count: batch.messages.length,
    lastOffset: batch.messages.at(-1)!.offset,
    ...taken,
    split,
  });
}

/** What applying needs besides the messages: one per group of batches (see `applyGroup`). */
interface ApplyContext {
  readonly deps: IngestDeps;
  readonly at: Date;
  readonly party: PartyId | null;
  readonly topic: string;
  readonly fanOut: OutboundFanOut;
}

/** The reference tables as of now (one token read while they are unchanged) and the sending party in them, if registered. */
async function loadSender(orm: Orm, party: PartyId | undefined): Promise<{ reference: ReferenceData; sender: Sender | undefined }> {
  try {
    const em = orm.em.fork() as Em;
    const reference = await ReferenceData.of(em);
    const [row] = party ? await reference.parties(em, [party]) : [];
    return { reference, sender: row ? { id: row.id, kind: row.kind, country: row.country, clients: row.clients } : undefined };
  } catch (error) {
    throw domainErrorOfDriver(error) ?? error;
  }
}

/** Decodes and checks one message against its topic's party; never throws. */
function prepare(message: ConsumedMessage, topic: string, party: PartyId | undefined, sender: Sender | undefined): Prepared {
  try {
    if (!party) throw new ValidationError([{ path: '', message: `${topic} is not an inbound topic (tandem.in.<party>.v1)` }], 'UNKNOWN_PARTY');
    if (!sender) throw new ValidationError([{ path: '', message: `party ${party} of ${topic} is not registered` }], 'UNKNOWN_PARTY');
    const event = decodeInboundEvent(message.value, isPhoneRegion(sender.country) ? { defaultRegion: sender.country } : {});
    if (event.source !== party) {
      throw new ValidationError([{ path: 'source', message: `is ${event.source}, but the message came on ${party}'s topic ${topic}` }], 'SOURCE_MISMATCH');
    }
    const refusal = onBehalfOfRefusal(sender, event.type, onBehalfOfIn(event.payload));
    if (refusal) throw new ValidationError([{ ...refusal.issue, path: `payload.${refusal.issue.path}` }], refusal.code);
    return { kind: 'event', message, event };
  } catch (error) {
    if (error instanceof TandemError) return { kind: 'rejected', message, error };
    // Decoding is pure: a retry cannot help, so even a decoder crash must not block the partition.
    const reason = error instanceof Error ? error.message : String(error);
    return { kind: 'rejected', message, error: new TandemError('INTERNAL', 'UNDECODABLE', `The message could not be decoded: ${reason}`, { cause: error }) };
  }
}

/** Applies prepared messages in the caller's transaction: inbox check → apply → dead letters → inbox rows → outbox. */
async function applyAll(em: Em, context: ApplyContext, prepared: readonly Prepared[]): Promise<Outcome> {
  const { deps, at, party } = context;
  const outcome: Outcome = { applied: [], duplicates: [], deadLettered: [], customers: new Set() };
  const events = prepared.flatMap((item) => (item.kind === 'event' ? [item.event.id] : []));
  const seen = await processedEventIds(em, deps.consumer, events);
  const kept = await keptDeadLetters(em, context, prepared);
  const toApply: DecodedInboundEvent[] = [];
  for (const item of prepared) {
    if (item.kind === 'rejected') {
      // Already kept by an earlier delivery of this batch: the dead letter exists once.
      if (kept.has(positionOf(item.message))) continue;
      outcome.deadLettered.push(deadLetter(em, context, item.message, item.error));
      continue;
    }
    if (seen.has(item.event.id)) {
      outcome.duplicates.push({ message: item.message, eventId: item.event.id });
      continue;
    }
    seen.add(item.event.id);
    toApply.push(item.event);
    outcome.applied.push(item.message);
  }
  const { changes, created } = await applyEvents(em, deps.resolver, toApply, at);
  for (const customer of changedCustomers(changes)) outcome.customers.add(customer);
  await markProcessedBatch(em, deps.consumer, toApply.map((event) => event.id), at);
  const messages = party ? await context.fanOut.project(em, party, changes, created) : [];
  await em.flush();
  // Last in the transaction: on PostgreSQL the log's append lock is held until commit.
  await appendToLog(em, messages);
  return outcome;
}

/** Positions (`partition:offset`) of the rejected messages that an earlier delivery already dead-lettered: one read per partition with rejects. */
async function keptDeadLetters(em: Em, { party, topic }: ApplyContext, prepared: readonly Prepared[]): Promise<Set<string>> {
  const offsets = new Map<number, string[]>();
  for (const { kind, message } of prepared) {
    if (kind !== 'rejected') continue;
    const ofPartition = offsets.get(message.partition);
    if (ofPartition) ofPartition.push(message.offset);
    else offsets.set(message.partition, [message.offset]);
  }
  const kept = new Set<string>();
  for (const [partition, rejected] of offsets) {
    for (const offset of (await deadLettersAtOffsets(em, { party, topic, partition }, rejected)).keys()) kept.add(positionOf({ partition, offset }));
  }
  return kept;
}

const positionOf = (message: Pick<ConsumedMessage, 'partition' | 'offset'>) => `${message.partition}:${message.offset}`;

/** The split path: one transaction per message, in order; a refused message is dead-lettered in a transaction of its own. */
async function applyOneByOne(context: ApplyContext, prepared: readonly Prepared[]): Promise<Outcome> {
  const { orm } = context.deps;
  const total: Outcome = { applied: [], duplicates: [], deadLettered: [], customers: new Set() };
  for (const item of prepared) {
    let outcome: Outcome;
    try {
      outcome = await runConsumerTransaction(orm, (em) => applyAll(em, context, [item]));
    } catch (error) {
      if (!(error instanceof TandemError) || error.retriable) throw error;
      const refused: Prepared = { kind: 'rejected', message: item.message, error };
      outcome = await runConsumerTransaction(orm, (em) => applyAll(em, context, [refused]));
    }
    report(context.deps, outcome);
    total.applied.push(...outcome.applied);
    total.duplicates.push(...outcome.duplicates);
    total.deadLettered.push(...outcome.deadLettered);
    for (const customer of outcome.customers) total.customers.add(customer);
  }
  return total;
}

/** Emits what a committed transaction did. */
function report(deps: IngestDeps, outcome: Outcome): void {
  const events = deps.events;
  if (!events) return;
  for (const letter of outcome.deadLettered) {
    const { topic, partition, offset } = letter.message;
    events.emit('message.dead-lettered', { deadLetterId: letter.deadLetterId, code: letter.code, party: letter.party, topic, partition, offset });
  }
  for (const duplicate of outcome.duplicates) {
    const { topic, partition, offset } = duplicate.message;
    events.emit('message.skipped-duplicate', { consumer: deps.consumer, eventId: duplicate.eventId, topic, partition, offset });
  }
}

function deadLetter(em: Em, context: ApplyContext, message: ConsumedMessage, error: TandemError): DeadLettered {
  const row = recordDeadLetter(
    em,
    {
      source: { kind: 'bus', topic: message.topic, partition: message.partition, offset: message.offset },
      party: context.party,
      originalBytes: message.value,
      errorCode: error.code,
      errorMessage: error.message,
      issues: error.issues,
    },
    context.at,
  );
  return { message, deadLetterId: row.id, code: error.code, party: context.party };
}

type CustomerEvent = Extract<DecodedInboundEvent, { type: 'contact.upserted' | 'contact.deleted' | 'activity.recorded' }>;

function isCustomerEvent(event: DecodedInboundEvent): event is CustomerEvent {
  return event.type === 'contact.upserted' || event.type === 'contact.deleted' || event.type === 'activity.recorded';
}

/**
 * Applies decoded events to the hub's state, in order. Runs of contact and activity events (the
 * bulk of the traffic) go through one golden-record batch each: a few set-based reads, the
 * merge in memory, a few multi-row writes. Other events take their service one at a time.
 * `created` is the stored state of the customers the batch created when one run did all the
 * customer work (a later run could change a customer an earlier one created).
 */
async function applyEvents(
  em: Em,
  resolver: IdentityResolver,
  events: readonly DecodedInboundEvent[],
  at: Date,
): Promise<{ changes: SyncChange[]; created?: ReadonlyMap<string, CustomerViewData> }> {
  const changes: SyncChange[] = [];
  const runs: GoldenRecordBatch[] = [];
  for (let start = 0; start < events.length; ) {
    let end = start + 1;
    const first = events[start]!;
    if (isCustomerEvent(first)) {
      while (end < events.length && isCustomerEvent(events[end]!)) end += 1;
      const run = await applyCustomerEvents(em, resolver, events.slice(start, end) as CustomerEvent[], at);
      changes.push(...run.changes);
      runs.push(run.golden);
    } else {
      changes.push(...(await applyOtherEvent(em, first, at)));
    }
    start = end;
  }
  return runs.length === 1 ? { changes, created: runs[0]!.createdCustomers() } : { changes };
}

/**
 * Statements about the customer (merge, unlink) take the event's own time, so a late message
 * never overwrites a newer one; recorded-at stamps take the time of processing.
 */
async function applyCustomerEvents(
  em: Em,
  resolver: IdentityResolver,
  events: readonly CustomerEvent[],
  at: Date,
): Promise<{ changes: SyncChange[]; golden: GoldenRecordBatch }> {
  const records: { party: PartyId; record: Extract<CustomerEvent, { type: 'contact.upserted' }>['payload'] }[] = [];
  const sources: { party: PartyId; externalId: string }[] = [];
  const activities: { party: PartyId; externalId: string }[] = [];
  for (const event of events) {
    if (event.type === 'contact.upserted') records.push({ party: event.source, record: event.payload });
    else if (event.type === 'contact.deleted') sources.push({ party: event.source, externalId: event.payload.externalId });
    else {
      sources.push({ party: event.source, externalId: event.payload.customerExternalId });
      activities.push({ party: event.source, externalId: event.payload.externalId });
    }
  }
  const golden = await GoldenRecordBatch.load(em, resolver, { records, sources });
  const activityBatch = await ActivityBatch.load(em, golden, activities);
  const changes: SyncChange[] = [];
  for (const event of events) {
    const occurredAt = new Date(event.occurredAt);
    switch (event.type) {
      case 'contact.upserted': {
        const { customerId } = await golden.apply(event.source, event.payload, occurredAt);
        changes.push({ kind: 'customer', customerId, occurredAt, onBehalfOf: event.payload.onBehalfOf });
        break;
      }
      case 'contact.deleted': {
        const { externalId, onBehalfOf } = event.payload;
        changes.push({ kind: 'customer', customerId: await golden.unlink(event.source, externalId, occurredAt, onBehalfOf), occurredAt, onBehalfOf });
        break;
      }
      case 'activity.recorded':
        changes.push({ kind: 'activity', activity: await activityBatch.record(event.source, event.payload, at), occurredAt });
        break;
    }
  }
  await golden.write();
  await activityBatch.write();
  return { changes, golden };
}

/** Applies one event that is not about a customer record or activity, through its service (the unit of work). */
async function applyOtherEvent(em: Em, event: Exclude<DecodedInboundEvent, CustomerEvent>, at: Date): Promise<SyncChange[]> {
  const party = event.source;
  const occurredAt = new Date(event.occurredAt);
  switch (event.type) {
    case 'task.created': {
      const { task } = await recordTask(em, party, event.payload, occurredAt);
      return [{ kind: 'task', task, occurredAt }];
    }
    case 'consent.recorded': {
      const consent = await recordConsent(em, party, event.payload);
      return [{ kind: 'consent', customerId: consent.customer, occurredAt }];
    }
    case 'call.event':
      await recordCallEvent(em, party, event.payload, at);
      return [];
  }
}
