import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { topics } from '@tandem/schema';
import {
  ActivityEntity,
  CallEventEntity,
  ConsentEntity,
  consentInForce,
  ContactPointEntity,
  CustomerEntity,
  DeadLetterEntity,
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
let nextOffset = 100;

/** A consumed message as the bus hands it over: JSON envelopes are serialised, raw text and bytes pass as they are. */
function consumed(topic: string, value: object | string | Uint8Array): ConsumedMessage {
  const bytes = value instanceof Uint8Array ? value : encoder.encode(typeof value === 'string' ? value : JSON.stringify(value));
  return { topic, partition: 0, offset: String((nextOffset += 1)), key: 'k', value: bytes, headers: {} };
}

function batchOf(topic: string, values: readonly (object | string | Uint8Array)[]): MessageBatch {
  return { topic, partition: 0, messages: values.map((value) => consumed(topic, value)) };
}

function envelope(source: string, type: string, payload: unknown, occurredAt = '2026-03-02T09:30:00+01:00') {
  return { id: uuidv7(), type, version: 1, occurredAt, source, key: `${source}:${type}`, payload };
}

describe.each(testDialects())('ingest pipeline on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  const events = new SyncInstrumentation();
  let handle: (batch: MessageBatch) => Promise<void>;
  const berlin = topics.inbound('dealer-berlin');
  const oem = topics.inbound('oem');
  const ic = topics.inbound('ic-riga');

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    const em = orm.em.fork() as Em;
    await upsertParty(em, { id: 'oem', kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin', brands: ['Nordwagen'] });
    await upsertParty(em, { id: 'dealer-berlin', kind: 'dealer', name: 'Autohaus Spree GmbH', country: 'DE', timeZone: 'Europe/Berlin' });
    await upsertParty(em, { id: 'dealer-riga', kind: 'dealer', name: 'Auto Rīga SIA', country: 'LV', timeZone: 'Europe/Riga' });
    await upsertParty(em, { id: 'ic-riga', kind: 'interaction_center', name: 'Baltic Contact SIA', country: 'LV', timeZone: 'Europe/Riga', clients: ['oem'] });
    await grantSharing(em, { grantor: 'oem', grantee: 'ic-riga', dataClasses: ['identity', 'contact'], purpose: 'customer_care', validFrom: '2020-01-01T00:00:00Z' });
    await grantSharing(em, { grantor: 'ic-riga', grantee: 'dealer-berlin', dataClasses: ['identity', 'tasks'], purpose: 'sales', validFrom: '2020-01-01T00:00:00Z' });
    handle = createIngestHandler({ orm, resolver: new DeterministicIdentityResolver(), consumer: 'ingest-test', events });
  });
  afterAll(() => close());

  const fork = () => orm.em.fork() as Em;

  /** Handles a batch and returns what the pipeline reported for it. */
  async function deliver(batch: MessageBatch) {
    const reported: { deadLettered: SyncEvents['message.dead-lettered'][]; duplicates: SyncEvents['message.skipped-duplicate'][] } = {
      deadLettered: [],
      duplicates: [],
    };
    const offs = [
      events.on('message.dead-lettered', (event) => reported.deadLettered.push(event)),
      events.on('message.skipped-duplicate', (event) => reported.duplicates.push(event)),
    ];
    const committed = events.waitFor('batch.committed', (event) => event.topic === batch.topic && event.lastOffset === batch.messages.at(-1)?.offset);
    try {
      await handle(batch);
      return { ...reported, committed: await committed };
    } finally {
      for (const off of offs) off();
    }
  }

  const tables = { CustomerEntity, SourceRecordEntity, ContactPointEntity, ActivityEntity, TaskEntity, ConsentEntity, CallEventEntity, InboxEntryEntity, OutboxMessageEntity, DeadLetterEntity };

  /** Row count of every table the pipeline writes. */
  async function counts(): Promise<Record<keyof typeof tables, number>> {
    const em = fork();
    const names = Object.keys(tables) as (keyof typeof tables)[];
    const values = await Promise.all(names.map((name) => em.count(tables[name] as typeof CustomerEntity, {})));
    return Object.fromEntries(names.map((name, index) => [name, values[index] ?? 0])) as Record<keyof typeof tables, number>;
  }

  it("resolves a dealer's and the OEM's record of one person to one golden customer and records an activity on it", async () => {
    const { committed } = await deliver(
      batchOf(berlin, [
        envelope('dealer-berlin', 'contact.upserted', {
          externalId: 'B-100',
          givenName: 'Jürgen',
          familyName: 'Straße',
          phones: [{ value: '0151 23456789', label: 'mobile' }],
        }),
        envelope('dealer-berlin', 'activity.recorded', {
          externalId: 'B-ACT-1',
          customerExternalId: 'B-100',
          channel: 'walk_in',
          direction: 'inbound',
          occurredAt: '2026-03-02T09:00:00+01:00',
          subject: 'Test drive',
          outcome: 'offer requested',
        }),
      ]),
    );
    await deliver(
      batchOf(oem, [
        envelope('oem', 'contact.upserted', { externalId: 'OEM-9', givenName: 'Juergen', familyName: 'Strasse', phones: [{ value: '+49 151 2345 6789' }] }),
      ]),
    );
    expect(committed).toMatchObject({ count: 2, applied: 2, duplicates: 0, deadLettered: 0, split: false });

    const em = fork();
    const links = await em.find(SourceRecordEntity, { externalId: { $in: ['B-100', 'OEM-9'] } }, { orderBy: { party: 'asc' } });
    expect(links.map((link) => [link.party, link.externalId])).toEqual([
      ['dealer-berlin', 'B-100'],
      ['oem', 'OEM-9'],
    ]);
    expect(links[0]?.customer).toBe(links[1]?.customer);
    const customerId = links[0]!.customer;
    // One golden customer; the phone both stated is each party's own statement of it.
    const phones = await em.find(ContactPointEntity, { customer: customerId, type: 'phone', value: '+4915123456789' }, { orderBy: { sourceParty: 'asc' } });
    expect(phones.map((phone) => phone.sourceParty)).toEqual(['dealer-berlin', 'oem']);
    const activity = await em.findOneOrFail(ActivityEntity, { party: 'dealer-berlin', externalId: 'B-ACT-1' });
    expect(activity).toMatchObject({ customer: customerId, channel: 'walk_in', subject: 'Test drive', outcome: 'offer requested' });
  });

  it('changes nothing when a batch is delivered again with the same event ids', async () => {
    const batch = batchOf(berlin, [
      envelope('dealer-berlin', 'contact.upserted', { externalId: 'B-200', familyName: 'Ozola', emails: [{ value: 'Ilze.Ozola@example.lv' }] }),
      envelope('dealer-berlin', 'activity.recorded', {
        externalId: 'B-ACT-2',
        customerExternalId: 'B-200',
        channel: 'email',
        direction: 'outbound',
        occurredAt: '2026-03-02T10:00:00+01:00',
      }),
      envelope('dealer-berlin', 'consent.recorded', {
        customerExternalId: 'B-200',
        purpose: 'marketing',
        granted: true,
        recordedAt: '2026-03-02T10:05:00+01:00',
        proof: 'signed form F-17',
      }),
    ]);
    const first = await deliver(batch);
    const before = await counts();
    const again = await deliver(batch);
    expect(await counts()).toEqual(before);
    expect(first.committed).toMatchObject({ applied: 3, duplicates: 0 });
    expect(again.committed).toMatchObject({ count: 3, applied: 0, duplicates: 3, deadLettered: 0 });
    expect(again.duplicates.map((event) => event.offset)).toEqual(batch.messages.map((message) => message.offset));
    const customerId = (await fork().findOneOrFail(SourceRecordEntity, { party: 'dealer-berlin', externalId: 'B-200' })).customer;
    expect(await consentInForce(fork(), customerId, 'marketing', 'email')).toMatchObject({ granted: true, channel: null, recordedBy: 'dealer-berlin', proof: 'signed form F-17' });
    expect(await consentInForce(fork(), customerId, 'surveys')).toBeUndefined();

    // Within one batch too: a message repeated under the same event id is applied once.
    const repeated = envelope('dealer-berlin', 'activity.recorded', {
      externalId: 'B-ACT-3',
      customerExternalId: 'B-200',
      channel: 'phone',
      direction: 'inbound',
      occurredAt: '2026-03-02T11:00:00+01:00',
    });
    const twice = await deliver(batchOf(berlin, [repeated, repeated]));
    expect(twice.committed).toMatchObject({ applied: 1, duplicates: 1 });
    expect(await fork().count(ActivityEntity, { externalId: 'B-ACT-3' })).toBe(1);
  });

  it('dead-letters poison messages with their original bytes and applies the messages after them', async () => {
    const badJson = encoder.encode('{"id": "not closed"');
    const badVin = envelope('dealer-berlin', 'contact.upserted', {
      externalId: 'B-300',
      familyName: 'Kalniņš',
      vehicles: [{ vin: 'WVWZZZ1JZXW00000I', brand: 'Nordwagen', model: 'Kometa' }],
    });
    const unknownType = envelope('dealer-berlin', 'contact.merged', { externalId: 'B-300' });
    const unknownCustomer = envelope('dealer-berlin', 'activity.recorded', {
      externalId: 'B-ACT-9',
      customerExternalId: 'NOBODY',
      channel: 'phone',
      direction: 'inbound',
      occurredAt: '2026-03-02T12:00:00+01:00',
    });
    const good = envelope('dealer-berlin', 'contact.upserted', { externalId: 'B-301', familyName: 'Liepa', phones: [{ value: '030 23125000' }] });
    const goodActivity = envelope('dealer-berlin', 'activity.recorded', {
      externalId: 'B-ACT-10',
      customerExternalId: 'B-301',
      channel: 'phone',
      direction: 'outbound',
      occurredAt: '2026-03-02T12:30:00+01:00',
    });
    const batch = batchOf(berlin, [badJson, badVin, unknownType, unknownCustomer, good, goodActivity]);
    const { committed, deadLettered } = await deliver(batch);

    expect(committed).toMatchObject({ count: 6, applied: 2, deadLettered: 4, split: true });
    expect(deadLettered.map((event) => [event.offset, event.code])).toEqual([
      [batch.messages[0]!.offset, 'MALFORMED_JSON'],
      [batch.messages[1]!.offset, 'INVALID_PAYLOAD'],
      [batch.messages[2]!.offset, 'UNKNOWN_EVENT_TYPE'],
      [batch.messages[3]!.offset, 'UNKNOWN_CUSTOMER'],
    ]);
    const em = fork();
    const letters = await em.find(DeadLetterEntity, { id: { $in: deadLettered.map((event) => event.deadLetterId) } }, { orderBy: { id: 'asc' } });
    expect(letters).toHaveLength(4);
    letters.forEach((letter, index) => {
      const message = batch.messages[index]!;
      expect(new Uint8Array(letter.originalBytes)).toEqual(message.value);
      expect(letter.source).toEqual({ kind: 'bus', topic: berlin, partition: 0, offset: message.offset });
      expect(letter.party).toBe('dealer-berlin');
      expect(letter.replayedAt).toBeNull();
    });
    expect(letters[0]!.issues).toEqual([{ path: '', message: expect.stringContaining('is not valid JSON') }]);
    expect(letters[1]!.issues).toEqual([{ path: 'payload.vehicles.0.vin', message: expect.stringContaining('WVWZZZ1JZXW00000I') }]);
    expect(letters[2]!.issues).toEqual([{ path: 'type', message: 'contact.merged v1 is not an inbound event (no such type)' }]);
    expect(letters[3]).toMatchObject({
      errorMessage: expect.stringContaining('NOBODY'),
      issues: [{ path: 'customerExternalId', message: 'dealer-berlin has no customer with this id' }],
    });

    expect(await em.count(SourceRecordEntity, { party: 'dealer-berlin', externalId: 'B-300' })).toBe(0);
    expect(await em.findOne(SourceRecordEntity, { party: 'dealer-berlin', externalId: 'B-301' })).not.toBeNull();
    expect(await em.count(ActivityEntity, { party: 'dealer-berlin', externalId: 'B-ACT-10' })).toBe(1);

    // Redelivered (the offset commit was lost): no second dead letter, nothing applied twice.
    const before = await counts();
    const again = await deliver(batch);
    expect(again.committed).toMatchObject({ applied: 0, duplicates: 2, deadLettered: 0 });
    expect(await counts()).toEqual(before);
  });

  it('dead-letters a message whose source is not the party of its topic, and messages on the topic of an unknown party', async () => {
    const forged = envelope('oem', 'contact.upserted', { externalId: 'OEM-666', familyName: 'Forged' });
    const onBerlin = await deliver(batchOf(berlin, [forged]));
    expect(onBerlin.deadLettered.map((event) => event.code)).toEqual(['SOURCE_MISMATCH']);
    const stranger = await deliver(batchOf(topics.inbound('dealer-nowhere'), [envelope('dealer-nowhere', 'contact.upserted', { externalId: 'N-1', familyName: 'Nobody' })]));
    expect(stranger.deadLettered).toMatchObject([{ code: 'UNKNOWN_PARTY', party: 'dealer-nowhere' }]);
    const em = fork();
    expect(await em.count(SourceRecordEntity, { externalId: { $in: ['OEM-666', 'N-1'] } })).toBe(0);
    const letter = await em.findOneOrFail(DeadLetterEntity, { id: onBerlin.deadLettered[0]!.deadLetterId });
    expect(letter.issues).toEqual([{ path: 'source', message: `is oem, but the message came on dealer-berlin's topic ${berlin}` }]);
  });

  it('reads national phone numbers in the country of the sending party', async () => {
    await deliver(batchOf(topics.inbound('dealer-riga'), [envelope('dealer-riga', 'contact.upserted', { externalId: 'R-1', familyName: 'Bērziņš', phones: [{ value: '2612 3456' }] })]));
    const em = fork();
    const link = await em.findOneOrFail(SourceRecordEntity, { party: 'dealer-riga', externalId: 'R-1' });
    expect(await em.count(ContactPointEntity, { customer: link.customer, value: '+37126123456' })).toBe(1);
  });

  it("stores CTI events, linking the caller's customer only when the number is unambiguous", async () => {
    await deliver(
      batchOf(oem, [
        envelope('oem', 'contact.upserted', { externalId: 'OEM-50', familyName: 'Vītola', phones: [{ value: '+371 2700 0001' }] }),
        envelope('oem', 'contact.upserted', { externalId: 'OEM-51', familyName: 'Egle', phones: [{ value: '+371 2700 0002' }] }),
        envelope('oem', 'contact.upserted', { externalId: 'OEM-52', familyName: 'Priede', phones: [{ value: '+371 2700 0002' }] }),
      ]),
    );
    const { committed } = await deliver(
      batchOf(ic, [
        envelope('ic-riga', 'call.event', { callId: 'C-1', state: 'ringing', at: '2026-03-03T09:00:00+02:00', callerNumber: '2700 0001', dialledNumber: '+371 6700 0000', onBehalfOf: 'oem' }),
        envelope('ic-riga', 'call.event', { callId: 'C-2', state: 'ringing', at: '2026-03-03T09:01:00+02:00', callerNumber: '2700 0002', dialledNumber: '+371 6700 0000', onBehalfOf: 'oem' }),
        envelope('ic-riga', 'call.event', { callId: 'C-3', state: 'ringing', at: '2026-03-03T09:02:00+02:00', callerNumber: '2700 0009', dialledNumber: '+371 6700 0000' }),
      ]),
    );
    expect(committed).toMatchObject({ applied: 3, deadLettered: 0 });
    const em = fork();
    const vitola = await em.findOneOrFail(SourceRecordEntity, { party: 'oem', externalId: 'OEM-50' });
    const calls = await em.find(CallEventEntity, { party: 'ic-riga' }, { orderBy: { callId: 'asc' } });
    expect(calls.map((call) => [call.callId, call.callerNumber, call.customer])).toEqual([
      ['C-1', '+37127000001', vitola.customer],
      ['C-2', '+37127000002', null],
      ['C-3', '+37127000009', null],
    ]);
  });

  it("dead-letters an interaction center's contact data that names no client or a party it does not serve, with the field and the reason", async () => {
    const { deadLettered } = await deliver(
      batchOf(ic, [
        envelope('ic-riga', 'contact.upserted', { externalId: 'IC-30', familyName: 'Bērziņa', phones: [{ value: '2700 0030' }] }),
        envelope('ic-riga', 'contact.upserted', { externalId: 'IC-31', familyName: 'Bērziņa', phones: [{ value: '2700 0031' }], onBehalfOf: 'dealer-riga' }),
        envelope('ic-riga', 'contact.deleted', { externalId: 'IC-30' }),
        envelope('ic-riga', 'contact.upserted', { externalId: 'IC-32', familyName: 'Bērziņa', phones: [{ value: '2700 0032' }], onBehalfOf: 'oem' }),
      ]),
    );
    expect(deadLettered.map((event) => event.code)).toEqual(['ON_BEHALF_OF_REQUIRED', 'NOT_A_CLIENT', 'ON_BEHALF_OF_REQUIRED']);
    const em = fork();
    const letters = await em.find(DeadLetterEntity, { id: { $in: deadLettered.map((event) => event.deadLetterId) } }, { orderBy: { id: 'asc' } });
    expect(letters.map((letter) => letter.issues)).toEqual([
      [{ path: 'payload.onBehalfOf', message: 'is required: ic-riga is an interaction center and captures contact data only for one of its clients (oem)' }],
      [{ path: 'payload.onBehalfOf', message: 'ic-riga does not act on behalf of dealer-riga' }],
      [{ path: 'payload.onBehalfOf', message: 'is required: ic-riga is an interaction center and captures contact data only for one of its clients (oem)' }],
    ]);
    expect((await em.find(SourceRecordEntity, { party: 'ic-riga', externalId: { $in: ['IC-30', 'IC-31', 'IC-32'] } })).map((link) => [link.externalId, link.onBehalfOf])).toEqual([
      ['IC-32', 'oem'],
    ]);
  });

  it('refuses an act on behalf of a party the interaction center does not serve, and a task for a party that may not see it', async () => {
    const { deadLettered } = await deliver(
      batchOf(ic, [
        envelope('ic-riga', 'call.event', { callId: 'C-9', state: 'ringing', at: '2026-03-03T09:00:00+02:00', callerNumber: '2700 0001', dialledNumber: '+371 6700 0000', onBehalfOf: 'dealer-riga' }),
        envelope('ic-riga', 'contact.upserted', { externalId: 'IC-1', familyName: 'Vītola', phones: [{ value: '2700 0001' }], onBehalfOf: 'oem' }),
        envelope('ic-riga', 'task.created', { externalId: 'T-1', customerExternalId: 'IC-1', assignee: 'dealer-riga', kind: 'lead', title: 'Wants a test drive' }),
        envelope('ic-riga', 'task.created', { externalId: 'T-2', customerExternalId: 'IC-1', assignee: 'dealer-berlin', kind: 'lead', title: 'Wants a test drive', onBehalfOf: 'oem' }),
      ]),
    );
    expect(deadLettered.map((event) => event.code)).toEqual(['NOT_A_CLIENT', 'TASK_NOT_SHARED']);
    const em = fork();
    expect((await em.find(TaskEntity, { creator: 'ic-riga' })).map((task) => [task.externalId, task.assignee, task.status])).toEqual([['T-2', 'dealer-berlin', 'open']]);
    expect(await em.count(CallEventEntity, { callId: 'C-9' })).toBe(0);
  });

  it('applies a batch once when two members of the group handle it at the same time (rebalance)', async () => {
    const other = createIngestHandler({ orm, resolver: new DeterministicIdentityResolver(), consumer: 'ingest-test', events });
    const batch = batchOf(oem, [
      envelope('oem', 'contact.upserted', { externalId: 'OEM-70', familyName: 'Zariņa', vehicles: [{ vin: 'YV1LW5545V2340070', brand: 'Nordwagen', model: 'Kometa' }] }),
      envelope('oem', 'activity.recorded', { externalId: 'OEM-ACT-70', customerExternalId: 'OEM-70', channel: 'email', direction: 'outbound', occurredAt: '2026-03-04T10:00:00Z' }),
    ]);
    const before = await counts();
    const reports: SyncEvents['batch.committed'][] = [];
    const off = events.on('batch.committed', (event) => {
      if (event.lastOffset === batch.messages.at(-1)?.offset) reports.push(event);
    });
    await Promise.all([handle(batch), other(batch)]);
    off();
    const after = await counts();
    expect(after.SourceRecordEntity - before.SourceRecordEntity).toBe(1);
    expect(after.CustomerEntity - before.CustomerEntity).toBe(1);
    expect(after.ActivityEntity - before.ActivityEntity).toBe(1);
    expect(after.InboxEntryEntity - before.InboxEntryEntity).toBe(2);
    expect(after.DeadLetterEntity).toBe(before.DeadLetterEntity);
    expect(reports.map((report) => report.applied).sort()).toEqual([0, 2]);
    expect(reports.map((report) => report.duplicates).sort()).toEqual([0, 2]);
  });

  it('rejects the batch with a retriable domain error, never a driver error, when the database is gone', async () => {
    const gone = await openTestOrm(dialect);
    const em = gone.orm.em.fork() as Em;
    await upsertParty(em, { id: 'oem', kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin' });
    const broken = createIngestHandler({ orm: gone.orm, resolver: new DeterministicIdentityResolver(), consumer: 'ingest-test' });
    await gone.orm.em.getConnection().execute(dialect === 'sqlite' ? 'drop table "inbox"' : 'drop table "inbox" cascade');
    const failure = broken(batchOf(oem, [envelope('oem', 'contact.upserted', { externalId: 'OEM-1', familyName: 'Lost' })]));
    await expect(failure).rejects.toMatchObject({ name: 'TandemError', code: 'DATABASE_UNAVAILABLE', retriable: true });
    expect(await em.count(DeadLetterEntity, {})).toBe(0);
    expect(await (gone.orm.em.fork() as Em).count(SourceRecordEntity, {})).toBe(0);
    await gone.close();
  });
});
