/**
 * The first milestone end to end: a dealer's message on its inbound topic shows up, filtered by
 * sharing agreement, in another party's GraphQL view and on that party's outbound topic — on the
 * embedded log (SQLite, PostgreSQL) and on Kafka.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { DeterministicIdentityResolver, grantSharing, upsertParty, type Em, type Orm } from '@tandem/core';
import { createBus, startSyncEngine, type InstrumentedBus, type SyncEngine, type TopicAdmin } from '@tandem/connectors';
import { topics } from '@tandem/schema';
import { openTestOrm, testDialects } from '../support/database.js';
import { kafkaForTests, kafkaUnavailable, type TestKafka } from '../support/kafka-broker.js';
import { startGateway } from '../../packages/gateway/test/support.js';

type Setup = { readonly name: string; readonly dialect: 'sqlite' | 'postgresql'; readonly kafka: boolean };
const setups: Setup[] = [
  ...testDialects().map((dialect) => ({ name: `embedded log on ${dialect}`, dialect, kafka: false })),
  ...(kafkaUnavailable() ? [] : [{ name: 'Kafka (3 brokers) on sqlite', dialect: 'sqlite' as const, kafka: true }]),
];

const envelope = (type: string, key: string, payload: unknown) => {
  const id = uuidv7();
  return { id, type, version: 1, occurredAt: '2026-05-04T10:15:00+02:00', source: 'dealer-riga', key, payload };
};

describe.each(setups)('dealer → partner view over the $name', (setup) => {
  let orm: Orm;
  let closeDb: () => Promise<void>;
  let kafka: TestKafka | undefined;
  let bus: InstrumentedBus;
  let engine: SyncEngine;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    ({ orm, close: closeDb } = await openTestOrm(setup.dialect));
    const em = orm.em.fork() as Em;
    await upsertParty(em, { id: 'oem', kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin' });
    await upsertParty(em, { id: 'dealer-riga', kind: 'dealer', name: 'Auto Rīga SIA', country: 'LV', timeZone: 'Europe/Riga' });
    await upsertParty(em, { id: 'dealer-aarhus', kind: 'dealer', name: 'Århus Bilcenter', country: 'DK', timeZone: 'Europe/Copenhagen' });
    await grantSharing(em, { grantor: 'dealer-riga', grantee: 'oem', dataClasses: ['identity', 'contact', 'vehicles', 'activities'], purpose: 'service', validFrom: '2020-01-01T00:00:00Z' });
    let topicAdmin: TopicAdmin | undefined;
    if (setup.kafka) {
      const cluster = await kafkaForTests();
      kafka = cluster;
      topicAdmin = { ensureTopics: async (specs) => { for (const spec of specs) await cluster.createTopic(spec.name, spec.partitions).catch(() => undefined); } };
    }
    bus = createBus({
      orm,
      clientId: 'e2e',
      ...(kafka ? { kafkaBrokers: kafka.brokers, ...(topicAdmin ? { topicAdmin } : {}), kafka: { consumer: { maxWaitTimeInMs: 100, sessionTimeout: 6000, heartbeatInterval: 300 } } } : {}),
    });
    engine = await startSyncEngine({ orm, bus, resolver: new DeterministicIdentityResolver(), partitions: 3 });
    gateway = await startGateway(orm);
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await engine?.stop();
    await bus?.close();
    await kafka?.stop();
    await closeDb?.();
  });

  it("shows the dealer's customer and visit to the manufacturer, and nothing to another dealer", async () => {
    const contact = envelope('contact.upserted', 'dealer-riga:DMS-4711', {
      externalId: 'DMS-4711',
      givenName: 'Līga',
      familyName: 'Kalniņa',
      phones: [{ value: '2612 3456', label: 'mobile' }],
      vehicles: [{ vin: 'YV1LW5545V2345678', brand: 'Nordwagen', model: 'Kometa' }],
    });
    const visit = envelope('activity.recorded', 'dealer-riga:DMS-4711', {
      externalId: 'VISIT-1',
      customerExternalId: 'DMS-4711',
      channel: 'walk_in',
      direction: 'inbound',
      occurredAt: '2026-05-04T10:00:00+02:00',
      subject: 'Test drive',
      outcome: 'offer requested',
    });
    const applied = engine.events.waitFor('batch.committed', (batch) => batch.lastOffset !== undefined && batch.topic === topics.inbound('dealer-riga'));
    const projected = new Promise<Record<string, unknown>[]>((resolve) => {
      const received: Record<string, unknown>[] = [];
      void bus.subscribe({
        groupId: `oem-${uuidv7()}`,
        topics: [topics.outbound('oem')],
        handleBatch: async (batch) => {
          received.push(...batch.messages.map((message) => JSON.parse(Buffer.from(message.value).toString('utf8')) as Record<string, unknown>));
          if (received.some((event) => event.type === 'activity.shared')) resolve(received);
        },
      });
    });
    await bus.publish([contact, visit].map((event) => ({ topic: topics.inbound('dealer-riga'), key: event.key, value: JSON.stringify(event), headers: { 'event-id': event.id } })));
    await applied;
    const outbound = await projected;
    expect(outbound.map((event) => event.type)).toEqual(expect.arrayContaining(['customer.projected', 'activity.shared']));

    const search = `query($q: String!) { customers(search: $q) { customers { id displayName phones { value } vehicles { model } activities { edges { node { channel subject party } } } } } }`;
    const oem = await gateway.graphql(search, { q: '+371 26123456' }, { subject: 'crm', party: 'oem', role: 'manager' });
    expect(oem.body.errors).toBeUndefined();
    expect(oem.body.data.customers.customers).toEqual([
      expect.objectContaining({
        displayName: 'Līga Kalniņa',
        phones: [{ value: '+37126123456' }],
        vehicles: [{ model: 'Kometa' }],
        activities: { edges: [{ node: { channel: 'walk_in', subject: 'Test drive', party: 'dealer-riga' } }] },
      }),
    ]);
    const aarhus = await gateway.graphql(search, { q: '+371 26123456' }, { subject: 'mads', party: 'dealer-aarhus', role: 'dealer_staff' });
    expect(aarhus.body.data.customers.customers).toEqual([]);
  }, 60_000);
});
