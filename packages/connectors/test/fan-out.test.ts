import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { activitySharedV1, customerProjectedV1, eventEnvelope, taskAssignedV1, topics } from '@tandem/schema';
import {
  changeTaskStatus,
  DeterministicIdentityResolver,
  grantSharing,
  OutboxMessageEntity,
  revokeSharing,
  runConsumerTransaction,
  SourceRecordEntity,
  TaskEntity,
  upsertParty,
  type Em,
  type Orm,
} from '@tandem/core';
import type { ConsumedMessage, MessageBatch } from '../src/bus/bus.port.js';
import { appendToLog } from '../src/embedded/embedded-log.bus.js';
import { OutboundFanOut } from '../src/fan-out/fan-out.service.js';
import { createIngestHandler } from '../src/ingest/ingest.pipeline.js';
import { SyncInstrumentation } from '../src/instrumentation/sync-events.js';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';

const encoder = new TextEncoder();
let nextOffset = 0;

function batchOf(topic: string, envelopes: readonly object[]): MessageBatch {
  const messages = envelopes.map(
    (value): ConsumedMessage => ({ topic, partition: 0, offset: String((nextOffset += 1)), key: 'k', value: encoder.encode(JSON.stringify(value)), headers: {} }),
  );
  return { topic, partition: 0, messages };
}

function envelope(source: string, type: string, payload: unknown, occurredAt = '2026-04-01T08:00:00Z') {
  return { id: uuidv7(), type, version: 1, occurredAt, source, key: `${source}:${type}`, payload };
}

const parties = ['oem', 'dealer-berlin', 'dealer-munich', 'dealer-hamburg', 'ic-riga', 'insurer'] as const;
type Party = (typeof parties)[number];

interface Received {
  readonly envelope: ReturnType<typeof eventEnvelope.parse>;
  readonly eventId: string;
  readonly key: string;
}

describe.each(testDialects())('outbound fan-out on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  let handle: (batch: MessageBatch) => Promise<void>;
  let clock = new Date('2026-04-01T12:00:00Z');
  const events = new SyncInstrumentation();
  let munichAgreement: string;

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    const em = orm.em.fork() as Em;
    await upsertParty(em, { id: 'oem', kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin' });
    for (const id of ['dealer-berlin', 'dealer-munich', 'dealer-hamburg'] as const) {
      await upsertParty(em, { id, kind: 'dealer', name: id, country: 'DE', timeZone: 'Europe/Berlin' });
    }
    await upsertParty(em, { id: 'insurer', kind: 'agency', name: 'Baltic Insurance', country: 'LV', timeZone: 'Europe/Riga' });
    await upsertParty(em, { id: 'ic-riga', kind: 'interaction_center', name: 'Baltic Contact SIA', country: 'LV', timeZone: 'Europe/Riga', clients: ['oem', 'insurer'] });
    const since = '2020-01-01T00:00:00Z';
    await grantSharing(em, { grantor: 'oem', grantee: 'dealer-berlin', dataClasses: ['identity', 'activities'], purpose: 'service', validFrom: since });
    munichAgreement = (
      await grantSharing(em, {
        grantor: 'oem',
        grantee: 'dealer-munich',
        dataClasses: ['identity', 'contact', 'vehicles', 'activities', 'content'],
        purpose: 'service',
        validFrom: since,
      })
    ).id;
    // Expired before the test clock: never in force.
    await grantSharing(em, { grantor: 'oem', grantee: 'dealer-hamburg', dataClasses: ['identity', 'contact'], purpose: 'sales', validFrom: since, validUntil: '2025-01-01T00:00:00Z' });
    await grantSharing(em, { grantor: 'oem', grantee: 'ic-riga', dataClasses: ['identity', 'contact'], purpose: 'customer_care', validFrom: since });
    await grantSharing(em, { grantor: 'ic-riga', grantee: 'oem', dataClasses: ['identity', 'activities', 'content'], purpose: 'customer_care', validFrom: since });
    await grantSharing(em, { grantor: 'ic-riga', grantee: 'insurer', dataClasses: ['identity', 'activities'], purpose: 'customer_care', validFrom: since });
    await grantSharing(em, { grantor: 'ic-riga', grantee: 'dealer-berlin', dataClasses: ['identity', 'tasks'], purpose: 'sales', validFrom: since });
    handle = createIngestHandler({ orm, resolver: new DeterministicIdentityResolver(), consumer: 'fan-out-test', events, clock: () => clock });
  });
  afterAll(() => close());

  const fork = () => orm.em.fork() as Em;

  async function logHead(): Promise<number> {
    const [last] = await fork().find(OutboxMessageEntity, {}, { orderBy: { position: 'desc' }, limit: 1 });
    return last?.position ?? 0;
  }

  /** Applies batches and returns what each party received on its outbound topic meanwhile. */
  async function deliver(...batches: MessageBatch[]): Promise<Record<Party, Received[]>> {
    const head = await logHead();
    for (const batch of batches) await handle(batch);
    const rows = await fork().find(OutboxMessageEntity, { position: { $gt: head } }, { orderBy: { position: 'asc' } });
    const received = Object.fromEntries(parties.map((party) => [party, [] as Received[]])) as Record<Party, Received[]>;
    for (const row of rows) {
      const party = parties.find((candidate) => topics.outbound(candidate) === row.topic);
      if (!party) throw new Error(`unexpected topic ${row.topic}`);
      received[party].push({ envelope: eventEnvelope.parse(JSON.parse(row.payload)), eventId: row.eventId, key: row.key });
    }
    return received;
  }

  async function customerOf(party: string, externalId: string): Promise<string> {
    return (await fork().findOneOrFail(SourceRecordEntity, { party, externalId })).customer;
  }

  it('sends each grantee of the source only the sections and content it is granted, nothing to others and nothing back to the source', async () => {
    const received = await deliver(
      batchOf(topics.inbound('dealer-berlin'), [envelope('dealer-berlin', 'contact.upserted', { externalId: 'DB-1', familyName: 'Krüger', emails: [{ value: 'anna.krueger@example.de' }] })]),
      batchOf(topics.inbound('oem'), [
        envelope('oem', 'contact.upserted', {
          externalId: 'OEM-1',
          givenName: 'Anna',
          familyName: 'Krüger',
          emails: [{ value: 'Anna.Krueger@example.de' }],
          phones: [{ value: '0151 23456789', label: 'mobile' }],
          vehicles: [{ vin: 'WVWZZZ1JZXW000001', brand: 'Nordwagen', model: 'Kometa', registrationDate: '2024-05-01' }],
        }),
        envelope('oem', 'activity.recorded', {
          externalId: 'L-1',
          customerExternalId: 'OEM-1',
          channel: 'letter',
          direction: 'outbound',
          occurredAt: '2026-04-01T07:00:00Z',
          subject: 'Recall 24V-001',
          content: 'Sehr geehrte Frau Krüger, …',
        }),
      ]),
    );
    const customerId = await customerOf('oem', 'OEM-1');
    expect(await customerOf('dealer-berlin', 'DB-1')).toBe(customerId);

    expect(received['dealer-hamburg']).toEqual([]);
    expect(received.insurer).toEqual([]);
    expect(received.oem).toEqual([]);

    for (const message of [...received['dealer-berlin'], ...received['dealer-munich'], ...received['ic-riga']]) {
      expect(message.envelope).toMatchObject({ version: 1, source: 'oem', key: customerId, id: message.eventId });
      expect(message.key).toBe(customerId);
    }
    const types = (party: Party) => received[party].map((message) => message.envelope.type);
    expect(types('dealer-berlin')).toEqual(['customer.projected', 'activity.shared']);
    expect(types('dealer-munich')).toEqual(['customer.projected', 'activity.shared']);
    expect(types('ic-riga')).toEqual(['customer.projected']);

    const [berlinCustomer, berlinActivity] = received['dealer-berlin'].map((message) => message.envelope.payload);
    expect(customerProjectedV1.parse(berlinCustomer)).toEqual({
      customerId,
      yourExternalIds: ['DB-1'],
      identity: { kind: 'person', givenName: 'Anna', familyName: 'Krüger', companyName: null, preferredLanguage: null },
    });
    const shared = activitySharedV1.parse(berlinActivity);
    expect(shared).toMatchObject({ customerId, party: 'oem', channel: 'letter', subject: 'Recall 24V-001', onBehalfOf: null });
    expect(shared).not.toHaveProperty('content');

    const [munichCustomer, munichActivity] = received['dealer-munich'].map((message) => message.envelope.payload);
    expect(customerProjectedV1.parse(munichCustomer)).toEqual({
      customerId,
      yourExternalIds: [],
      identity: { kind: 'person', givenName: 'Anna', familyName: 'Krüger', companyName: null, preferredLanguage: null },
      contact: { phones: [{ value: '+4915123456789', label: 'mobile' }], emails: [{ value: 'anna.krueger@example.de', label: 'other' }], addresses: [] },
      vehicles: [{ vin: 'WVWZZZ1JZXW000001', brand: 'Nordwagen', model: 'Kometa', registrationDate: '2024-05-01', relation: 'owner' }],
    });
    expect(activitySharedV1.parse(munichActivity)).toMatchObject({ content: 'Sehr geehrte Frau Krüger, …' });

    const icCustomer = customerProjectedV1.parse(received['ic-riga'][0]?.envelope.payload);
    expect(Object.keys(icCustomer).sort()).toEqual(['contact', 'customerId', 'identity', 'yourExternalIds']);
  });

  it('stops the flow to a party from the first event after its agreement is revoked', async () => {
    const first = await deliver(batchOf(topics.inbound('oem'), [envelope('oem', 'contact.upserted', { externalId: 'OEM-2', familyName: 'Weber' })]));
    expect(first['dealer-munich'].map((message) => message.envelope.type)).toEqual(['customer.projected']);

    clock = new Date('2026-04-02T12:00:00Z');
    await revokeSharing(fork(), munichAgreement, clock);
    const next = await deliver(
      batchOf(topics.inbound('oem'), [
        envelope('oem', 'contact.upserted', { externalId: 'OEM-2', familyName: 'Weber', givenName: 'Jonas' }, '2026-04-02T11:00:00Z'),
        envelope('oem', 'activity.recorded', { externalId: 'L-2', customerExternalId: 'OEM-2', channel: 'phone', direction: 'outbound', occurredAt: '2026-04-02T11:05:00Z' }),
      ]),
    );
    expect(next['dealer-munich']).toEqual([]);
    expect(next['dealer-berlin'].map((message) => message.envelope.type)).toEqual(['customer.projected', 'activity.shared']);
  });

  it("sends an interaction center's activity made on behalf of a client to that client (its own data, with content) and never to another client", async () => {
    const ic = topics.inbound('ic-riga');
    // One person, a customer of both clients: the center holds a record for each.
    await deliver(
      batchOf(ic, [
        envelope('ic-riga', 'contact.upserted', { externalId: 'IC-7', familyName: 'Ozola', phones: [{ value: '2612 3456' }], onBehalfOf: 'insurer' }),
        envelope('ic-riga', 'contact.upserted', { externalId: 'IC-6', familyName: 'Ozola', phones: [{ value: '2612 3456' }], onBehalfOf: 'oem' }),
      ]),
    );
    // Acting for a client, the center refers to the record it holds for that client.
    const activity = (externalId: string, onBehalfOf?: string) =>
      envelope('ic-riga', 'activity.recorded', {
        externalId,
        customerExternalId: onBehalfOf === 'oem' ? 'IC-6' : 'IC-7',
        channel: 'phone',
        direction: 'inbound',
        occurredAt: '2026-04-02T09:00:00Z',
        outcome: 'callback agreed',
        content: 'Call notes',
        ...(onBehalfOf ? { onBehalfOf } : {}),
      });
    const forInsurer = await deliver(batchOf(ic, [activity('IC-CALL-1', 'insurer')]));
    const forOem = await deliver(batchOf(ic, [activity('IC-CALL-2', 'oem')]));
    const ownActivity = await deliver(batchOf(ic, [activity('IC-CALL-3')]));

    const activitiesOf = (received: Record<Party, Received[]>) =>
      Object.fromEntries(
        parties.map((party) => [party, received[party].filter((message) => message.envelope.type === 'activity.shared').map((message) => activitySharedV1.parse(message.envelope.payload))]),
      ) as Record<Party, ReturnType<typeof activitySharedV1.parse>[]>;

    const insurerCase = activitiesOf(forInsurer);
    expect(insurerCase.oem).toEqual([]);
    expect(insurerCase.insurer).toHaveLength(1);
    expect(insurerCase.insurer[0]).toMatchObject({ party: 'ic-riga', onBehalfOf: 'insurer', outcome: 'callback agreed' });
    expect(insurerCase.insurer[0]).toMatchObject({ content: 'Call notes' });

    const oemCase = activitiesOf(forOem);
    expect(oemCase.insurer).toEqual([]);
    expect(oemCase.oem).toMatchObject([{ onBehalfOf: 'oem', content: 'Call notes' }]);

    const own = activitiesOf(ownActivity);
    expect(own.oem).toHaveLength(1);
    expect(own.insurer).toHaveLength(1);
    expect(own['dealer-berlin']).toEqual([]);
  });

  it("projects a contact an interaction center captured for a client to that client and its grantees only, never to the center's other client or its own grantees", async () => {
    const ic = topics.inbound('ic-riga');
    const capture = (externalId: string, phone: string, onBehalfOf: string) =>
      envelope('ic-riga', 'contact.upserted', { externalId, givenName: 'Laura', familyName: 'Kalniņa', phones: [{ value: phone, label: 'mobile' }], onBehalfOf });
    const projected = (received: Record<Party, Received[]>) =>
      Object.fromEntries(parties.map((party) => [party, received[party].map((message) => customerProjectedV1.parse(message.envelope.payload))])) as Record<
        Party,
        ReturnType<typeof customerProjectedV1.parse>[]
      >;

    const forOem = projected(await deliver(batchOf(ic, [capture('IC-20', '2612 5555', 'oem')])));
    const customerId = await customerOf('ic-riga', 'IC-20');
    const phones = [{ value: '+37126125555', label: 'mobile' }];
    expect(forOem.oem).toMatchObject([{ customerId, identity: { familyName: 'Kalniņa' }, contact: { phones } }]);
    // The OEM grants this dealer identity only: its projection without the contact section. (Munich's agreement was revoked above.)
    expect(forOem['dealer-berlin']).toEqual([{ customerId, yourExternalIds: [], identity: expect.objectContaining({ familyName: 'Kalniņa' }) }]);
    for (const party of ['insurer', 'ic-riga', 'dealer-hamburg', 'dealer-munich'] as const) expect(forOem[party]).toEqual([]);

    const forInsurer = projected(await deliver(batchOf(ic, [capture('IC-21', '2612 6666', 'insurer')])));
    expect(forInsurer.insurer).toMatchObject([{ contact: { phones: [{ value: '+37126126666' }] } }]);
    for (const party of parties.filter((party) => party !== 'insurer')) expect(forInsurer[party]).toEqual([]);
  });

  it("sends an interaction center a client's change as acting for that client: nothing it captured for another client on the same customer", async () => {
    const vin = 'WNWBK1A0N00000030';
    const vehicles = [{ vin, brand: 'Nordwagen', model: 'Fjord' }];
    await deliver(
      batchOf(topics.inbound('ic-riga'), [
        envelope('ic-riga', 'contact.upserted', { externalId: 'IC-30', givenName: 'Andris', familyName: 'Bērziņš', emails: [{ value: 'andris@insurer-only.lv' }], vehicles, onBehalfOf: 'insurer' }),
      ]),
    );
    const received = await deliver(
      batchOf(topics.inbound('oem'), [envelope('oem', 'contact.upserted', { externalId: 'OEM-30', givenName: 'Andris', familyName: 'Bērziņš', phones: [{ value: '+49 151 2345 6789' }], vehicles })]),
    );
    // One golden record (same VIN): the OEM's change concerns the customer the center also holds for the insurer.
    const customerId = await customerOf('oem', 'OEM-30');
    expect(await customerOf('ic-riga', 'IC-30')).toBe(customerId);
    const forCenter = received['ic-riga'].map((message) => customerProjectedV1.parse(message.envelope.payload));
    expect(forCenter).toMatchObject([{ customerId, contact: { phones: [{ value: '+4915123456789' }] } }]);
    expect(forCenter[0]!.contact?.emails ?? []).toEqual([]);
    expect(JSON.stringify(received['ic-riga'])).not.toContain('insurer-only');
  });

  it("refuses a center's record for one client under the external id it holds for another, and finds no customer there for the other client's acts", async () => {
    const codes: string[] = [];
    const off = events.on('message.dead-lettered', (event) => codes.push(event.code));
    const received = await deliver(
      batchOf(topics.inbound('ic-riga'), [
        envelope('ic-riga', 'contact.upserted', { externalId: 'IC-40', givenName: 'Ilze', familyName: 'Ozoliņa', phones: [{ value: '2612 4040' }], onBehalfOf: 'oem' }),
        envelope('ic-riga', 'contact.upserted', { externalId: 'IC-40', givenName: 'Jānis', familyName: 'Kalējs', phones: [{ value: '2612 4041' }], onBehalfOf: 'insurer' }),
        envelope('ic-riga', 'activity.recorded', { externalId: 'IC-CALL-40', customerExternalId: 'IC-40', channel: 'phone', direction: 'inbound', occurredAt: '2026-04-01T08:00:00Z', outcome: 'callback agreed', onBehalfOf: 'insurer' }),
      ]),
    );
    off();
    expect(codes).toEqual(['HELD_FOR_ANOTHER_CLIENT', 'UNKNOWN_CUSTOMER']);
    const link = await fork().findOneOrFail(SourceRecordEntity, { party: 'ic-riga', externalId: 'IC-40' });
    expect([link.onBehalfOf, link.identity.familyName]).toEqual(['oem', 'Ozoliņa']);
    expect(received.insurer).toEqual([]);
    expect(JSON.stringify(received)).not.toContain('Kalējs');
  });

  it('hands a task to its assignee and reports status changes back to the creator', async () => {
    const ic = topics.inbound('ic-riga');
    const received = await deliver(
      batchOf(ic, [
        envelope('ic-riga', 'contact.upserted', { externalId: 'IC-8', familyName: 'Egle', phones: [{ value: '2612 9999' }], onBehalfOf: 'oem' }),
        envelope('ic-riga', 'task.created', {
          externalId: 'LEAD-1',
          customerExternalId: 'IC-8',
          assignee: 'dealer-berlin',
          kind: 'lead',
          title: 'Wants an offer for a Kometa',
          dueAt: '2026-04-03T16:00:00Z',
          onBehalfOf: 'oem',
        }),
      ]),
    );
    const customerId = await customerOf('ic-riga', 'IC-8');
    const tasks = (party: Party, from: Record<Party, Received[]>) =>
      from[party].filter((message) => message.envelope.type === 'task.assigned').map((message) => taskAssignedV1.parse(message.envelope.payload));
    expect(tasks('dealer-berlin', received)).toEqual([
      {
        taskId: expect.any(String),
        customerId,
        creator: 'ic-riga',
        assignee: 'dealer-berlin',
        kind: 'lead',
        title: 'Wants an offer for a Kometa',
        description: null,
        dueAt: '2026-04-03T16:00:00.000Z',
        status: 'open',
      },
    ]);
    for (const party of parties.filter((party) => party !== 'dealer-berlin')) expect(tasks(party, received)).toEqual([]);

    // The dealer accepts the lead (as the gateway will): the state change and its fan-out in one transaction.
    const taskId = tasks('dealer-berlin', received)[0]!.taskId;
    const head = await logHead();
    await runConsumerTransaction(orm, async (em) => {
      const task = await changeTaskStatus(em, 'dealer-berlin', taskId, 'accepted', clock);
      const messages = await new OutboundFanOut(clock).project(em, 'dealer-berlin', [{ kind: 'task', task, occurredAt: clock }]);
      await em.flush();
      await appendToLog(em, messages);
    });
    const rows = await fork().find(OutboxMessageEntity, { position: { $gt: head } });
    expect(rows.map((row) => row.topic)).toEqual([topics.outbound('ic-riga')]);
    const update = eventEnvelope.parse(JSON.parse(rows[0]!.payload));
    expect(update).toMatchObject({ type: 'task.assigned', source: 'dealer-berlin', key: customerId });
    expect(taskAssignedV1.parse(update.payload)).toMatchObject({ taskId, status: 'accepted' });
    expect((await fork().findOneOrFail(TaskEntity, { id: taskId })).status).toBe('accepted');
  });
});
