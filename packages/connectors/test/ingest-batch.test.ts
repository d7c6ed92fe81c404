import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { eventEnvelope, topics } from '@tandem/schema';
import {
  ActivityEntity,
  ConsentEntity,
  ContactPointEntity,
  CustomerEntity,
  CustomerVehicleEntity,
  DeterministicIdentityResolver,
  grantSharing,
  InboxEntryEntity,
  OutboxMessageEntity,
  SourceRecordEntity,
  TaskEntity,
  upsertParty,
  type Em,
  type Orm,
} from '@tandem/core';
import type { ConsumedMessage, MessageBatch } from '../src/bus/bus.port.js';
import { createIngestHandler } from '../src/ingest/ingest.pipeline.js';
import { SyncInstrumentation, type SyncEvents } from '../src/instrumentation/sync-events.js';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';

const encoder = new TextEncoder();
let nextOffset = 1_000;

function batchOf(topic: string, envelopes: readonly object[]): MessageBatch {
  const messages = envelopes.map(
    (value): ConsumedMessage => ({ topic, partition: 0, offset: String((nextOffset += 1)), key: 'k', value: encoder.encode(JSON.stringify(value)), headers: {} }),
  );
  return { topic, partition: 0, messages };
}

function envelope(source: string, type: string, payload: unknown, occurredAt: string) {
  return { id: uuidv7(), type, version: 1, occurredAt, source, key: `${source}:${type}`, payload };
}

const at = (day: number, hour = 9) => `2026-05-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00Z`;
const contact = (party: string, payload: object, day: number, hour?: number) => envelope(party, 'contact.upserted', payload, at(day, hour));
const activity = (party: string, externalId: string, customerExternalId: string, day: number, extra: object = {}) =>
  envelope(party, 'activity.recorded', { externalId, customerExternalId, channel: 'phone', direction: 'inbound', occurredAt: at(day), ...extra }, at(day));

/** One dealer's traffic: each event depends on what earlier events of the same batch did. */
function dealerEvents() {
  return [
    contact('dealer-berlin', { externalId: 'B-1', givenName: 'Anna', familyName: 'Krüger', emails: [{ value: 'anna@example.de' }], phones: [{ value: '0151 11111111' }] }, 2),
    activity('dealer-berlin', 'B-A1', 'B-1', 2, { subject: 'Test drive' }),
    contact('dealer-berlin', { externalId: 'B-2', kind: 'company', companyName: 'Spree Logistik GmbH', vehicles: [{ vin: 'WVWZZZ1JZXW000001', brand: 'Nordwagen', model: 'Kometa', relation: 'fleet_manager' }] }, 2),
    // Matched by the e-mail the first event created.
    contact('dealer-berlin', { externalId: 'B-3', givenName: 'Anne', familyName: 'Krüger-Lang', emails: [{ value: 'Anna@Example.de' }], vehicles: [{ vin: 'WVWZZZ1JZXW000002', brand: 'Nordwagen', model: 'Fjord' }] }, 3),
    activity('dealer-berlin', 'B-A1', 'B-1', 2, { subject: 'Test drive', outcome: 'offer requested' }),
    // A task between customer events: the batch goes through the unit of work and back.
    envelope('dealer-berlin', 'task.created', { externalId: 'T-1', customerExternalId: 'B-3', assignee: 'oem', kind: 'information', title: 'Fleet interest' }, at(3)),
    envelope('dealer-berlin', 'consent.recorded', { customerExternalId: 'B-1', purpose: 'marketing', granted: true, recordedAt: at(3), proof: 'form F-1' }, at(3)),
    // Older than what B-1 said first: changes no name.
    contact('dealer-berlin', { externalId: 'B-1', givenName: 'Annemarie', familyName: 'Krüger', phones: [{ value: '0151 22222222', label: 'work' }] }, 1),
    contact('dealer-berlin', { externalId: 'B-4', familyName: 'Ozola', phones: [{ value: '030 5555555' }] }, 4),
    contact('dealer-berlin', { externalId: 'B-5', familyName: 'Liepa', phones: [{ value: '030 5555555' }] }, 4),
    envelope('dealer-berlin', 'contact.deleted', { externalId: 'B-4' }, at(5)),
    activity('dealer-berlin', 'B-A2', 'B-5', 5, { content: 'Call notes' }),
    // Same family phone, compatible name: the customer of B-5, created five events earlier.
    contact('dealer-berlin', { externalId: 'B-6', givenName: 'Ilze', familyName: 'Liepa', phones: [{ value: '+49 30 5555555' }] }, 6),
    contact('dealer-berlin', { externalId: 'B-4', familyName: 'Ozola', givenName: 'Inese' }, 6),
    // Same fleet, same relation: the company of B-2; then no longer claimed, so its name leaves every view.
    contact('dealer-berlin', { externalId: 'B-7', kind: 'company', companyName: 'Spree Logistik AG', vehicles: [{ vin: 'WVWZZZ1JZXW000001', brand: 'Nordwagen', model: 'Kometa', relation: 'fleet_manager' }] }, 7),
    envelope('dealer-berlin', 'contact.deleted', { externalId: 'B-7' }, at(8)),
  ];
}

interface World {
  readonly orm: Orm;
  readonly handle: (batch: MessageBatch) => Promise<void>;
  readonly close: () => Promise<void>;
}

describe.each(testDialects())('ingest batches on %s', (dialect) => {
  const worlds: World[] = [];
  const events = new SyncInstrumentation();
  const clock = new Date('2026-05-10T12:00:00Z');

  async function world(): Promise<World> {
    const { orm, close } = await openTestOrm(dialect);
    const em = orm.em.fork() as Em;
    await upsertParty(em, { id: 'oem', kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin' });
    await upsertParty(em, { id: 'dealer-berlin', kind: 'dealer', name: 'Autohaus Spree GmbH', country: 'DE', timeZone: 'Europe/Berlin' });
    await upsertParty(em, { id: 'agency', kind: 'agency', name: 'Survey Agency', country: 'DE', timeZone: 'Europe/Berlin' });
    const since = '2020-01-01T00:00:00Z';
    await grantSharing(em, { grantor: 'dealer-berlin', grantee: 'oem', dataClasses: ['identity', 'contact', 'vehicles', 'activities', 'content', 'tasks'], purpose: 'service', validFrom: since });
    await grantSharing(em, { grantor: 'dealer-berlin', grantee: 'agency', dataClasses: ['identity', 'activities'], purpose: 'analytics', validFrom: since });
    const handle = createIngestHandler({ orm, resolver: new DeterministicIdentityResolver(), consumer: 'ingest-batch-test', events, clock: () => clock });
    const opened = { orm, handle, close };
    worlds.push(opened);
    return opened;
  }

  async function deliver(target: World, batch: MessageBatch): Promise<SyncEvents['batch.committed']> {
    const committed = events.waitFor('batch.committed', (event) => event.lastOffset === batch.messages.at(-1)?.offset);
    await target.handle(batch);
    return committed;
  }

  /** The hub's state and what each recipient last received per customer, with generated ids replaced by the records' keys. */
  async function observed(target: World) {
    const em = target.orm.em.fork() as Em;
    const links = await em.find(SourceRecordEntity, {}, { orderBy: { party: 'asc', externalId: 'asc' } });
    const names = new Map<string, string>();
    for (const link of links) if (!names.has(link.customer)) names.set(link.customer, `${link.party}:${link.externalId}`);
    const of = (id: string) => names.get(id) ?? id;
    const activities = await em.find(ActivityEntity, {}, { orderBy: { externalId: 'asc' } });
    const activityNames = new Map(activities.map((row) => [row.id, `${row.party}:${row.externalId}`]));
    const customers = (await em.find(CustomerEntity, {})).map(({ id, ...row }) => [of(id), row] as const).sort(([a], [b]) => a.localeCompare(b));
    const rename = (value: unknown): unknown =>
      typeof value === 'string' ? (activityNames.get(value) ?? of(value)) : Array.isArray(value) ? value.map(rename) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rename(v)])) : value;
    const received = new Map<string, unknown>();
    for (const row of await em.find(OutboxMessageEntity, {}, { orderBy: { position: 'asc' } })) {
      const message = eventEnvelope.parse(JSON.parse(row.payload));
      const payload = message.payload as { customerId: string; activityId?: string; taskId?: string };
      const subject = message.type === 'activity.shared' ? activityNames.get(payload.activityId ?? '') : message.type === 'task.assigned' ? 'task' : of(payload.customerId);
      received.set(`${row.topic} ${message.type} ${subject}`, rename({ ...payload, ...(payload.taskId ? { taskId: 'task' } : {}) }));
    }
    return {
      customers,
      links: links.map(({ customer, ...row }) => ({ ...row, customer: of(customer) })),
      points: (await em.find(ContactPointEntity, {})).map((row) => `${of(row.customer)} ${row.type} ${row.value} ${row.label} ${row.sourceParty} ${row.updatedAt.toISOString()}`).sort(),
      vehicleLinks: (await em.find(CustomerVehicleEntity, {})).map((row) => `${of(row.customer)} ${row.vehicle} ${row.relation}`).sort(),
      activities: activities.map(({ id: _id, customer, ...row }) => ({ ...row, customer: of(customer) })),
      tasks: (await em.find(TaskEntity, {})).map((row) => `${of(row.customer)} ${row.externalId} ${row.assignee}`),
      consents: (await em.find(ConsentEntity, {})).map((row) => `${of(row.customer)} ${row.purpose} ${row.granted}`),
      inbox: await em.count(InboxEntryEntity, {}),
      received: [...received].sort(([a], [b]) => a.localeCompare(b)),
    };
  }

  let batched: World;
  let oneByOne: World;
  let committed: SyncEvents['batch.committed'];

  beforeAll(async () => {
    batched = await world();
    oneByOne = await world();
    const traffic = dealerEvents();
    committed = await deliver(batched, batchOf(topics.inbound('dealer-berlin'), traffic));
    for (const event of traffic) await deliver(oneByOne, batchOf(topics.inbound('dealer-berlin'), [event]));
  });
  afterAll(async () => {
    for (const opened of worlds) await opened.close();
  });

  it('applies a batch of dependent events in one transaction exactly as one batch per event, and each recipient ends with the same projections', async () => {
    expect(committed).toMatchObject({ count: 16, applied: 16, deadLettered: 0, split: false });
    const [inBatch, alone] = [await observed(batched), await observed(oneByOne)];
    expect(inBatch).toEqual(alone);

    expect(inBatch.links.filter((link) => link.customer === 'dealer-berlin:B-1').map((link) => link.externalId)).toEqual(['B-1', 'B-3']);
    expect(inBatch.links.filter((link) => link.customer === 'dealer-berlin:B-5').map((link) => link.externalId)).toEqual(['B-5', 'B-6']);
    expect(inBatch.links.find((link) => link.externalId === 'B-4')).toMatchObject({ deletedAt: null });
    expect(inBatch.customers.find(([key]) => key === 'dealer-berlin:B-1')?.[1]).toMatchObject({ givenName: 'Anne', familyName: 'Krüger-Lang' });
    expect(inBatch.activities.map((row) => [row.externalId, row.customer, row.outcome])).toEqual([
      ['B-A1', 'dealer-berlin:B-1', 'offer requested'],
      ['B-A2', 'dealer-berlin:B-5', null],
    ]);
    expect(inBatch.tasks).toEqual(['dealer-berlin:B-1 T-1 oem']);
    expect(inBatch.links.filter((link) => link.customer === 'dealer-berlin:B-2').map((link) => [link.externalId, link.deletedAt?.toISOString() ?? null])).toEqual([
      ['B-2', null],
      ['B-7', at(8).replace('Z', '.000Z')],
    ]);
    const fleet = inBatch.received.find(([key]) => key === `${topics.outbound('oem')} customer.projected dealer-berlin:B-2`)?.[1];
    expect(fleet).toMatchObject({ identity: { kind: 'company', companyName: 'Spree Logistik GmbH' } });
    const oemView = inBatch.received.find(([key]) => key === `${topics.outbound('oem')} customer.projected dealer-berlin:B-1`)?.[1];
    expect(oemView).toMatchObject({ identity: { givenName: 'Anne', familyName: 'Krüger-Lang' }, contact: { emails: [{ value: 'anna@example.de' }] } });
    const agencyView = inBatch.received.find(([key]) => key === `${topics.outbound('agency')} customer.projected dealer-berlin:B-1`)?.[1];
    expect(Object.keys(agencyView as object).sort()).toEqual(['customerId', 'identity', 'yourExternalIds']);
    const agencyActivity = inBatch.received.find(([key]) => key === `${topics.outbound('agency')} activity.shared dealer-berlin:B-A2`)?.[1];
    expect(agencyActivity).not.toHaveProperty('content');
    expect(inBatch.received.find(([key]) => key === `${topics.outbound('oem')} activity.shared dealer-berlin:B-A2`)?.[1]).toMatchObject({ content: 'Call notes' });
  });

  it('projects the customers a batch created from what it holds in memory exactly as from the database', async () => {
    const customerTraffic = () => dealerEvents().filter((event) => !['task.created', 'consent.recorded'].includes(event.type));
    const [inMemory, readBack] = [await world(), await world()];
    await deliver(inMemory, batchOf(topics.inbound('dealer-berlin'), customerTraffic()));
    for (const event of customerTraffic()) await deliver(readBack, batchOf(topics.inbound('dealer-berlin'), [event]));
    const [fromMemory, fromDatabase] = [await observed(inMemory), await observed(readBack)];
    expect(fromMemory).toEqual(fromDatabase);
    const fleet = fromMemory.received.find(([key]) => key === `${topics.outbound('oem')} customer.projected dealer-berlin:B-2`)?.[1];
    expect(fleet).toMatchObject({ identity: { kind: 'company', companyName: 'Spree Logistik GmbH' } });
  });

  it('splits a batch when one event is refused and applies the others exactly as alone', async () => {
    const target = await world();
    const traffic = dealerEvents();
    const orphan = activity('dealer-berlin', 'B-A9', 'NOBODY', 5);
    const batch = batchOf(topics.inbound('dealer-berlin'), [...traffic.slice(0, 7), orphan, ...traffic.slice(7)]);
    const reported = await deliver(target, batch);
    expect(reported).toMatchObject({ count: 17, applied: 16, deadLettered: 1, split: true });
    const { received: _received, ...state } = await observed(target);
    const { received: _alone, ...expected } = await observed(oneByOne);
    expect(state).toEqual(expected);
  });

  /** The events cut into consecutive batches, one partition each, handed over at once (as Kafka does with several partitions). */
  async function deliverTogether(target: World, parts: readonly (readonly object[])[]) {
    const batches = parts.map((part, partition) => ({ ...batchOf(topics.inbound('dealer-berlin'), part), partition }));
    const reported = Promise.all(batches.map((batch) => events.waitFor('batch.committed', (event) => event.lastOffset === batch.messages.at(-1)?.offset)));
    await Promise.all(batches.map((batch) => target.handle(batch)));
    return reported;
  }

  it('applies batches of several partitions that arrive together exactly as one after the other', async () => {
    const target = await world();
    const traffic = dealerEvents();
    const reported = await deliverTogether(target, [traffic.slice(0, 5), traffic.slice(5, 10), traffic.slice(10)]);
    expect(reported.map((event) => [event.partition, event.applied, event.split])).toEqual([
      [0, 5, false],
      [1, 5, false],
      [2, 6, false],
    ]);
    expect(await observed(target)).toEqual(await observed(oneByOne));
  });

  it('applies the batches handed over in one turn (the partitions of one fetch) in one transaction', async () => {
    const target = await world();
    // Each transaction reads the clock once and stamps its inbox rows with it: one stamp, one transaction.
    let ticks = 0;
    const handle = createIngestHandler({ orm: target.orm, resolver: new DeterministicIdentityResolver(), consumer: 'one-turn', clock: () => new Date(Date.UTC(2026, 4, 10, 12, 0, ticks++)) });
    const traffic = dealerEvents();
    const batches = [traffic.slice(0, 5), traffic.slice(5, 10), traffic.slice(10)].map((part, partition) => ({ ...batchOf(topics.inbound('dealer-berlin'), part), partition }));
    await Promise.all(batches.map((batch) => handle(batch)));
    const stamps = (await (target.orm.em.fork() as Em).find(InboxEntryEntity, { consumer: 'one-turn' })).map((entry) => entry.processedAt.toISOString());
    expect(stamps).toHaveLength(traffic.length);
    expect(new Set(stamps).size).toBe(1);
  });

  it('a refused event among batches that arrive together splits only its own batch', async () => {
    const target = await world();
    const traffic = dealerEvents();
    const orphan = activity('dealer-berlin', 'B-A9', 'NOBODY', 5);
    const reported = await deliverTogether(target, [traffic.slice(0, 5), traffic.slice(5, 10), [orphan, ...traffic.slice(10)]]);
    expect(reported.map((event) => [event.partition, event.applied, event.deadLettered, event.split])).toEqual([
      [0, 5, 0, false],
      [1, 5, 0, false],
      [2, 6, 1, true],
    ]);
    const { received: _received, ...state } = await observed(target);
    const { received: _alone, ...expected } = await observed(oneByOne);
    expect(state).toEqual(expected);
  });
});
