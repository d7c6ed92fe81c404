import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@tandem/schema';
import { OutboxMessageEntity, openOrm, type Em, type Orm } from '@tandem/core';
import type { OutgoingMessage } from '../src/bus/bus.port.js';
import { appendToLog } from '../src/embedded/embedded-log.bus.js';
import { KafkaBus } from '../src/kafka/kafka.bus.js';
import { OutboxRelay, relayedUpTo } from '../src/relay/outbox-relay.js';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';
import { kafkaForTests, kafkaUnavailable, type TestKafka } from '../../../tests/support/kafka-broker.js';
import { within, collector } from '../../../tests/support/waiting.js';


/** Resolves once the relay has published `count` rows in total. */
function publishedCount(relays: readonly OutboxRelay[], count: number): { promise: Promise<void>; total(): number } {
  let total = 0;
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  for (const relay of relays) {
    relay.events.on('relay.published', (event) => {
      total += event.count;
      if (total >= count) resolve();
    });
  }
  if (count === 0) resolve();
  return { promise: within(promise, 20_000, () => `relay published ${total} of ${count} rows`), total: () => total };
}

const party = (): string => `relay-${randomBytes(5).toString('hex')}`;

function rows(topic: string, count: number, key = 'customer-1'): OutgoingMessage[] {
  return Array.from({ length: count }, (_, index) => ({
    topic,
    key: `${key}-${index % 3}`,
    value: JSON.stringify({ topic, index }),
    headers: { 'event-id': randomUUID() },
  }));
}

async function appendInTransaction(orm: Orm, messages: readonly OutgoingMessage[]): Promise<void> {
  await (orm.em.fork() as Em).transactional((tx) => appendToLog(tx, messages));
}

describe.skipIf(kafkaUnavailable())('outbox relay to Kafka', () => {
  let kafka: TestKafka;
  const buses: KafkaBus[] = [];

  const newBus = (): KafkaBus => {
    const bus = new KafkaBus({
      brokers: kafka.brokers,
      clientId: `relay-test-${randomUUID().slice(0, 8)}`,
      topicAdmin: { ensureTopics: async (specs) => { for (const spec of specs) await kafka.createTopic(spec.name, spec.partitions); } },
      consumer: { maxWaitTimeInMs: 100, sessionTimeout: 6000, heartbeatInterval: 300 },
    });
    buses.push(bus);
    return bus;
  };

  beforeAll(async () => {
    kafka = await kafkaForTests();
    // Shared by every test in this file (one cluster per file); tests filter it by event id.
    await kafka.createTopic(topics.deadLetters, 1);
  });
  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    await kafka?.stop();
  });

  describe.each(testDialects())('on %s', (dialect) => {
    let orm: Orm;
    let close: () => Promise<void>;
    let databaseUrl: string;

    beforeAll(async () => {
      const test = await openTestOrm(dialect);
      ({ orm, close } = test);
      databaseUrl = test.database.url;
    });
    afterAll(() => close?.());

    it('publishes outbound and dead-letter rows exactly in position order and moves its cursor past them; inbound rows stay', async () => {
      const recipient = party();
      const outbound = topics.outbound(recipient);
      const inbound = topics.inbound(recipient);
      const bus = newBus();
      await bus.ensureTopics([{ name: outbound, partitions: 1 }]);

      const deadLetter = rows(topics.deadLetters, 1);
      await appendInTransaction(orm, [...rows(outbound, 5), ...rows(inbound, 3), ...rows(outbound, 5)]);
      await appendInTransaction(orm, [...rows(inbound, 2), ...deadLetter, ...rows(outbound, 10)]);

      const relay = new OutboxRelay({ orm, bus, batchSize: 4, pollIntervalMs: 20 });
      const published = publishedCount([relay], 21);
      relay.start();
      await published.promise;
      await relay.stop();
      expect(published.total()).toBe(21);

      const outboundRows = await (orm.em.fork() as Em).find(OutboxMessageEntity, { topic: outbound }, { orderBy: { position: 'asc' } });
      const consumed = collector();
      const outSubscription = await bus.subscribe({ groupId: `relay-check-${recipient}`, topics: [outbound], handleBatch: consumed.handle });
      await consumed.until(outboundRows.length);
      await outSubscription.stop();
      expect(consumed.messages.map((message) => message.headers['event-id'])).toEqual(outboundRows.map((row) => row.eventId));
      expect(consumed.messages.map((message) => new TextDecoder().decode(message.value))).toEqual(outboundRows.map((row) => row.payload));
      expect(consumed.messages.map((message) => message.key)).toEqual(outboundRows.map((row) => row.key));

      const deadLetters = collector();
      const dlqSubscription = await bus.subscribe({
        groupId: `relay-dlq-${recipient}`,
        topics: [topics.deadLetters],
        handleBatch: async (batch) =>
          deadLetters.handle({ ...batch, messages: batch.messages.filter((m) => m.headers['event-id'] === deadLetter[0]!.headers?.['event-id']) }),
      });
      await deadLetters.until(1);
      await dlqSubscription.stop();

      // The cursor is past the last relayed row, durably: a relay started afresh publishes nothing again.
      const em = orm.em.fork() as Em;
      expect(await relayedUpTo(em)).toBe(outboundRows.at(-1)!.position);
      expect(await new OutboxRelay({ orm, bus }).relayOnce()).toBe(0);
      const notRelayed = await em.find(OutboxMessageEntity, { topic: inbound });
      expect(notRelayed).toHaveLength(5);
    }, 60_000);

    it.skipIf(dialect !== 'postgresql')('two relays on one PostgreSQL database publish every row once, in position order', async () => {
      const recipient = party();
      const outbound = topics.outbound(recipient);
      const bus = newBus();
      await bus.ensureTopics([{ name: outbound, partitions: 1 }]);
      const otherOrm = await openOrm({ databaseUrl, poolSize: 4 });
      try {
        const relays = [
          new OutboxRelay({ orm, bus, batchSize: 7, pollIntervalMs: 5 }),
          new OutboxRelay({ orm: otherOrm, bus: newBus(), batchSize: 7, pollIntervalMs: 5 }),
        ];
        const total = 300;
        // A backlog first, so both relays compete for it from the start; then more while they run.
        for (let index = 0; index < 200; index += 20) await appendInTransaction(orm, rows(outbound, 20));
        const published = publishedCount(relays, total);
        relays.forEach((relay) => relay.start());
        for (let index = 200; index < total; index += 10) await appendInTransaction(otherOrm, rows(outbound, 10));
        await published.promise;
        await Promise.all(relays.map((relay) => relay.stop()));
        expect(published.total()).toBe(total);

        const outboundRows = await (orm.em.fork() as Em).find(OutboxMessageEntity, { topic: outbound }, { orderBy: { position: 'asc' } });
        const consumed = collector();
        const subscription = await bus.subscribe({ groupId: `relay-check-${recipient}`, topics: [outbound], handleBatch: consumed.handle });
        await consumed.until(total);
        await subscription.stop();
        expect(consumed.messages.map((message) => message.headers['event-id'])).toEqual(outboundRows.map((row) => row.eventId));
      } finally {
        await otherOrm.close(true);
      }
    }, 60_000);
  });
});
