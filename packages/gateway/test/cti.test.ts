import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { topics } from '@tandem/schema';
import {
  CallEventEntity,
  DeterministicIdentityResolver,
  grantSharing,
  InboxEntryEntity,
  OutboxMessageEntity,
  registerWebhookEndpoint,
  SourceRecordEntity,
  upsertParty,
  type Em,
  type Orm,
} from '@tandem/core';
import {
  createIngestHandler,
  EmbeddedLogBus,
  KafkaBus,
  signWebhook,
  SyncInstrumentation,
  type Bus,
  type InstrumentedBus,
  type Subscription,
} from '@tandem/connectors';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';
import { kafkaForTests, kafkaUnavailable, type TestKafka } from '../../../tests/support/kafka-broker.js';
import { startGateway } from './support.js';

/** A world of its own: a manufacturer with one customer and an interaction center acting for it. */
function names() {
  const suffix = randomBytes(3).toString('hex');
  return { oem: `oem-${suffix}`, ic: `ic-${suffix}` };
}

function callEvent(ic: string, oem: string, callId: string, state: 'ringing' | 'answered' | 'ended', at: string) {
  return {
    id: uuidv7(),
    type: 'call.event',
    version: 1,
    occurredAt: at,
    source: ic,
    key: `${ic}:${callId}`,
    // The caller in international format, the dialled hotline in the center's own (Latvian) national format.
    payload: { callId, state, at, callerNumber: '0049 151 23456789', dialledNumber: '67 123 456', agent: 'agent-7', onBehalfOf: oem },
  };
}

/** Sets up the parties, the customer (applied through the pipeline from the OEM's topic) and the ingest consumer. */
async function world(orm: Orm, bus: InstrumentedBus, parties: { oem: string; ic: string }) {
  const em = orm.em.fork() as Em;
  await upsertParty(em, { id: parties.oem, kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin' });
  await upsertParty(em, { id: parties.ic, kind: 'interaction_center', name: 'Baltic Contact SIA', country: 'LV', timeZone: 'Europe/Riga', clients: [parties.oem] });
  await grantSharing(em, { grantor: parties.oem, grantee: parties.ic, dataClasses: ['identity', 'contact'], purpose: 'customer_care', validFrom: '2020-01-01T00:00:00Z' });
  const { inboundSecret } = await registerWebhookEndpoint(em, { party: parties.ic });
  await bus.ensureTopics([
    { name: topics.inbound(parties.oem), partitions: 1 },
    { name: topics.inbound(parties.ic), partitions: 1 },
    { name: topics.outbound(parties.ic), partitions: 1 },
  ]);
  const events = new SyncInstrumentation();
  const ingest = await bus.subscribe({
    groupId: `ingest-${parties.ic}`,
    topics: [topics.inbound(parties.oem), topics.inbound(parties.ic)],
    handleBatch: createIngestHandler({ orm, resolver: new DeterministicIdentityResolver(), consumer: 'ingest', events }),
  });
  const customerEvent = {
    id: uuidv7(),
    type: 'contact.upserted',
    version: 1,
    occurredAt: '2026-05-04T08:00:00Z',
    source: parties.oem,
    key: `${parties.oem}:OEM-1`,
    payload: { externalId: 'OEM-1', givenName: 'Jürgen', familyName: 'Weiß', phones: [{ value: '0151 23456789', label: 'mobile' }] },
  };
  await publishAndWait(bus, orm, events, customerEvent, parties.oem);
  const customerId = (await em.findOneOrFail(SourceRecordEntity, { party: parties.oem, externalId: 'OEM-1' })).customer;
  return { inboundSecret, events, ingest, customerId };
}

/** Resolves once the pipeline has applied `eventIds` (its inbox holds them), re-checking after every committed batch. */
function appliedAll(orm: Orm, events: SyncInstrumentation, eventIds: readonly string[]): Promise<void> {
  const check = async () => (await (orm.em.fork() as Em).count(InboxEntryEntity, { consumer: 'ingest', eventId: { $in: [...eventIds] } })) === eventIds.length;
  return new Promise((resolve, reject) => {
    let settled = false;
    const attempt = () =>
      void check().then((done) => {
        if (!done || settled) return;
        settled = true;
        off();
        resolve();
      }, reject);
    const off = events.on('batch.committed', attempt);
    attempt();
  });
}

/** The partner's own producer: the envelope as JSON on its inbound topic. */
async function publishAndWait(bus: Bus, orm: Orm, events: SyncInstrumentation, envelope: { id: string; key: string; source: string }, party: string): Promise<void> {
  const applied = appliedAll(orm, events, [envelope.id]);
  await bus.publish([{ topic: topics.inbound(party), key: envelope.key, value: JSON.stringify(envelope), headers: { 'event-id': envelope.id } }]);
  await applied;
}

async function postCalls(url: string, ic: string, secret: string, body: unknown) {
  const raw = JSON.stringify(body);
  const response = await fetch(`${url}/cti/${ic}/calls`, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhook([secret], raw) }, body: raw });
  return { status: response.status, body: (await response.json()) as any };
}

async function callRows(orm: Orm, party: string, callId: string) {
  return (orm.em.fork() as Em).find(CallEventEntity, { party, callId }, { orderBy: { at: 'asc' } });
}

describe.each(testDialects())('CTI call events over HTTP on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  let bus: EmbeddedLogBus;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let setup: Awaited<ReturnType<typeof world>>;
  const parties = names();

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    bus = new EmbeddedLogBus({ orm, pollIntervalMs: 5 });
    setup = await world(orm, bus, parties);
    gateway = await startGateway(orm, { bus });
  });
  afterAll(async () => {
    await gateway?.close();
    await setup?.ingest.stop();
    await bus?.close();
    await close?.();
  });

  it('stores ringing, answered and ended with E.164 numbers, the agent and the caller resolved to the customer', async () => {
    const { ic, oem } = parties;
    const ringing = callEvent(ic, oem, 'CALL-1', 'ringing', '2026-05-04T10:00:00+03:00');
    const response = await postCalls(gateway.url, ic, setup.inboundSecret, ringing);
    expect(response).toEqual({ status: 202, body: { accepted: [ringing.id] } });
    await appliedAll(orm, setup.events, [ringing.id]);
    expect(await callRows(orm, ic, 'CALL-1')).toMatchObject([
      { state: 'ringing', callerNumber: '+4915123456789', dialledNumber: '+37167123456', agent: 'agent-7', onBehalfOf: oem, customer: setup.customerId },
    ]);

    const rest = [callEvent(ic, oem, 'CALL-1', 'answered', '2026-05-04T10:00:07+03:00'), callEvent(ic, oem, 'CALL-1', 'ended', '2026-05-04T10:04:30+03:00')];
    expect(await postCalls(gateway.url, ic, setup.inboundSecret, { events: rest })).toEqual({ status: 202, body: { accepted: rest.map((event) => event.id) } });
    await appliedAll(orm, setup.events, rest.map((event) => event.id));
    const rows = await callRows(orm, ic, 'CALL-1');
    expect(rows.map((row) => [row.state, row.at.toISOString(), row.customer])).toEqual([
      ['ringing', '2026-05-04T07:00:00.000Z', setup.customerId],
      ['answered', '2026-05-04T07:00:07.000Z', setup.customerId],
      ['ended', '2026-05-04T07:04:30.000Z', setup.customerId],
    ]);
    // Queryable by caller: the screen pop looks calls up by the E.164 number.
    expect(await (orm.em.fork() as Em).count(CallEventEntity, { callerNumber: '+4915123456789', party: ic })).toBe(3);
  });

  it('refuses other event types, numbers that are no numbers and unsigned requests, storing no call', async () => {
    const { ic, oem } = parties;
    const em = () => orm.em.fork() as Em;
    const before = { outbox: await em().count(OutboxMessageEntity, {}), calls: await em().count(CallEventEntity, {}) };
    const contact = { ...callEvent(ic, oem, 'X', 'ringing', '2026-05-04T10:00:00Z'), type: 'contact.upserted', payload: { externalId: 'IC-1', familyName: 'Ozols', onBehalfOf: oem } };
    const response = await postCalls(gateway.url, ic, setup.inboundSecret, contact);
    expect(response).toMatchObject({ status: 400, body: { error: { code: 'INVALID_EVENTS', issues: [{ path: 'type', message: 'contact.upserted is not taken here (only call.event)' }] } } });
    const badNumber = callEvent(ic, oem, 'CALL-2', 'ringing', '2026-05-04T10:00:00Z');
    badNumber.payload.callerNumber = '12';
    expect((await postCalls(gateway.url, ic, setup.inboundSecret, badNumber)).body.error.issues.map((issue: { path: string }) => issue.path)).toEqual(['payload.callerNumber']);
    const notAClient = callEvent(ic, 'dealer-x', 'CALL-3', 'ringing', '2026-05-04T10:00:00Z');
    expect((await postCalls(gateway.url, ic, setup.inboundSecret, notAClient)).body.error.issues).toEqual([{ path: 'payload.onBehalfOf', message: `${ic} does not act on behalf of dealer-x` }]);
    const unsigned = await fetch(`${gateway.url}/cti/${ic}/calls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(badNumber) });
    expect(unsigned.status).toBe(401);
    expect(await postCalls(gateway.url, ic, 'whsec_wrong-secret-0123456789-abcdefghijk', callEvent(ic, oem, 'CALL-4', 'ringing', '2026-05-04T10:00:00Z'))).toMatchObject({
      status: 401,
      body: { error: { code: 'INVALID_SIGNATURE' } },
    });
    expect({ outbox: await em().count(OutboxMessageEntity, {}), calls: await em().count(CallEventEntity, {}) }).toEqual(before);
  });
});

describe.skipIf(kafkaUnavailable())('CTI call events over Kafka', () => {
  let kafka: TestKafka;
  beforeAll(async () => {
    kafka = await kafkaForTests();
  }, 60_000);
  afterAll(async () => {
    await kafka?.stop();
  });

  const kafkaBus = (clientId: string) =>
    new KafkaBus({
      brokers: kafka.brokers,
      clientId,
      topicAdmin: { ensureTopics: async (specs) => { for (const spec of specs) await kafka.createTopic(spec.name, spec.partitions); } },
      consumer: { maxWaitTimeInMs: 100, sessionTimeout: 6000, heartbeatInterval: 300 },
    });

  describe.each(testDialects())('on %s', (dialect) => {
    let orm: Orm;
    let close: () => Promise<void>;
    let bus: KafkaBus;
    let telephony: KafkaBus;
    let gateway: Awaited<ReturnType<typeof startGateway>>;
    let setup: Awaited<ReturnType<typeof world>>;
    let ingest: Subscription | undefined;
    const parties = names();

    beforeAll(async () => {
      ({ orm, close } = await openTestOrm(dialect));
      bus = kafkaBus(`hub-${parties.ic}`);
      telephony = kafkaBus(`telephony-${parties.ic}`);
      setup = await world(orm, bus, parties);
      ingest = setup.ingest;
      gateway = await startGateway(orm, { bus });
    }, 60_000);
    afterAll(async () => {
      await gateway?.close();
      await ingest?.stop();
      await Promise.all([bus?.close(), telephony?.close()]);
      await close?.();
    });

    it("stores a call.event the center's telephony produces to its inbound topic, with the caller resolved", async () => {
      const { ic, oem } = parties;
      const ringing = callEvent(ic, oem, 'K-CALL-1', 'ringing', '2026-05-04T11:00:00+03:00');
      await publishAndWait(telephony, orm, setup.events, ringing, ic);
      expect(await callRows(orm, ic, 'K-CALL-1')).toMatchObject([
        { state: 'ringing', callerNumber: '+4915123456789', dialledNumber: '+37167123456', agent: 'agent-7', customer: setup.customerId },
      ]);
    }, 30_000);

    it('stores a call.event posted over HTTP when the hub runs on Kafka', async () => {
      const { ic, oem } = parties;
      const answered = callEvent(ic, oem, 'K-CALL-2', 'answered', '2026-05-04T11:05:00+03:00');
      const applied = appliedAll(orm, setup.events, [answered.id]);
      expect(await postCalls(gateway.url, ic, setup.inboundSecret, answered)).toEqual({ status: 202, body: { accepted: [answered.id] } });
      await applied;
      expect(await callRows(orm, ic, 'K-CALL-2')).toMatchObject([{ state: 'answered', callerNumber: '+4915123456789', customer: setup.customerId }]);
    }, 30_000);
  });
});
