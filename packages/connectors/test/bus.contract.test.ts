import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOrm, type Orm } from '@tandem/core';
import type { ConsumedMessage, MessageBatch, OutgoingMessage, Subscription, TopicAdmin } from '../src/bus/bus.port.js';
import type { InstrumentedBus } from '../src/bus/bus-instrumentation.js';
import { EmbeddedLogBus } from '../src/embedded/embedded-log.bus.js';
import { KafkaBus } from '../src/kafka/kafka.bus.js';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';
import { kafkaForTests, kafkaUnavailable, type TestKafka } from '../../../tests/support/kafka-broker.js';
import { within, uniqueName } from '../../../tests/support/waiting.js';


interface Deferred<T = void> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

interface Body {
  readonly key: string;
  readonly seq: number;
}

/** Keyed messages `seq` 0..perKey-1 for each key, interleaved across keys, each with its own event id. */
function keyedMessages(topic: string, keys: readonly string[], perKey: number, firstSeq = 0): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [];
  for (let seq = firstSeq; seq < firstSeq + perKey; seq += 1) {
    for (const key of keys) {
      messages.push({ topic, key, value: JSON.stringify({ key, seq } satisfies Body), headers: { 'event-id': randomUUID() } });
    }
  }
  return messages;
}

function bodyOf(message: ConsumedMessage): Body {
  return JSON.parse(new TextDecoder().decode(message.value)) as Body;
}

/** Records what a handler received and lets a test wait until a condition holds. */
class Received {
  readonly batches: MessageBatch[] = [];
  readonly messages: ConsumedMessage[] = [];
  readonly #waiters = new Set<{ check: () => boolean; resolve: () => void }>();

  record(batch: MessageBatch): void {
    this.batches.push(batch);
    this.messages.push(...batch.messages);
    for (const waiter of [...this.#waiters]) {
      if (waiter.check()) {
        this.#waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  eventIds(): string[] {
    return this.messages.map((message) => message.headers['event-id'] ?? '');
  }

  /** Resolves once `check` holds (checked now and after every recorded batch); rejects after `ms`. */
  until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
    if (check()) return Promise.resolve();
    const done = deferred();
    this.#waiters.add({ check, resolve: () => done.resolve() });
    return within(done.promise, ms, () => `${what} (received ${this.messages.length} messages)`);
  }

  untilCount(count: number, ms?: number): Promise<void> {
    return this.until(() => this.messages.length >= count, `waiting for ${count} messages`, ms);
  }
}

/** Topic creation through the test broker's control channel (the mock has no CreateTopics API). */
function harnessTopicAdmin(kafka: TestKafka): TopicAdmin {
  return {
    async ensureTopics(topics) {
      for (const topic of topics) await kafka.createTopic(topic.name, topic.partitions);
    },
  };
}

// --- the adapters under test ----------------------------------------------------------------

interface World {
  /** Partitions of the topics the tests create (the embedded log has one per topic). */
  readonly partitions: number;
  /** A new bus (closed with the world). */
  bus(): Promise<InstrumentedBus>;
  /** A bus of the same kind on its own connection, like another worker process; undefined when this adapter cannot share a group. */
  readonly peerBus: (() => Promise<InstrumentedBus>) | undefined;
  close(): Promise<void>;
}

interface Adapter {
  readonly name: string;
  readonly skip: string | undefined;
  open(): Promise<World>;
}

function embeddedAdapter(dialect: 'sqlite' | 'postgresql'): Adapter {
  return {
    name: `embedded log on ${dialect}`,
    skip: undefined,
    async open() {
      const test = await openTestOrm(dialect);
      const buses: InstrumentedBus[] = [];
      const orms: Orm[] = [];
      const busOn = (orm: Orm): InstrumentedBus => {
        const bus = new EmbeddedLogBus({ orm, pollIntervalMs: 20, batchSize: 50, retry: { initialMs: 20, maxMs: 200 } });
        buses.push(bus);
        return bus;
      };
      return {
        partitions: 1,
        bus: async () => busOn(test.orm),
        // Several workers share a group only on PostgreSQL (row locks); SQLite is one process.
        peerBus:
          dialect === 'postgresql'
            ? async () => {
                const orm = await openOrm({ databaseUrl: test.database.url, poolSize: 4 });
                orms.push(orm);
                return busOn(orm);
              }
            : undefined,
        async close() {
          await Promise.all(buses.map((bus) => bus.close()));
          await Promise.all(orms.map((orm) => orm.close(true)));
          await test.close();
        },
      };
    },
  };
}

/** `producerThread`: publishing from the bus's producer thread, as the hub's processes do. */
const kafkaAdapter = (producerThread: boolean): Adapter => ({
  name: producerThread ? 'Kafka, producer thread' : 'Kafka',
  // With TANDEM_REQUIRE_KAFKA=1 this throws instead of skipping.
  skip: kafkaUnavailable(),
  async open() {
    const kafka: TestKafka = await kafkaForTests();
    const topicAdmin = harnessTopicAdmin(kafka);
    const buses: InstrumentedBus[] = [];
    const newBus = async (): Promise<InstrumentedBus> => {
      const bus = new KafkaBus({
        brokers: kafka.brokers,
        clientId: uniqueName('tandem-contract'),
        topicAdmin,
        consumer: { maxWaitTimeInMs: 100, sessionTimeout: 6000, heartbeatInterval: 300 },
        retry: { initialRetryTime: 50, maxRetryTime: 500, retries: 5 },
        producerThread,
      });
      buses.push(bus);
      return bus;
    };
    return {
      partitions: 3,
      bus: newBus,
      peerBus: newBus,
      async close() {
        await Promise.all(buses.map((bus) => bus.close()));
        await kafka.stop();
      },
    };
  },
});

const adapters: Adapter[] = [...testDialects().map(embeddedAdapter), kafkaAdapter(false), kafkaAdapter(true)];

const KEYS = ['customer-1', 'customer-2', 'customer-3', 'customer-4', 'customer-5', 'customer-6'];

function expectPerKeyOrder(messages: readonly ConsumedMessage[], keys: readonly string[], seqs: readonly number[]): void {
  for (const key of keys) {
    const ofKey = messages.filter((message) => message.key === key);
    expect(ofKey.map((message) => bodyOf(message).seq), `order of ${key}`).toEqual(seqs);
    expect(new Set(ofKey.map((message) => message.partition)).size, `partitions of ${key}`).toBe(1);
  }
}

function expectOffsetsIncreasePerPartition(messages: readonly ConsumedMessage[]): void {
  const last = new Map<string, bigint>();
  for (const message of messages) {
    const partition = `${message.topic}/${message.partition}`;
    const offset = BigInt(message.offset);
    const previous = last.get(partition);
    if (previous !== undefined) expect(offset, `offsets of ${partition}`).toBeGreaterThan(previous);
    last.set(partition, offset);
  }
}

for (const adapter of adapters) {
  describe.skipIf(adapter.skip)(`bus contract: ${adapter.name}`, () => {
    let world: World;
    const subscriptions: Subscription[] = [];

    beforeAll(async () => {
      world = await adapter.open();
    });
    afterAll(async () => {
      await Promise.all(subscriptions.map((subscription) => subscription.stop()));
      await world?.close();
    });

    async function topicsFor(bus: InstrumentedBus, ...names: string[]): Promise<void> {
      await bus.ensureTopics(names.map((name) => ({ name, partitions: world.partitions })));
    }

    async function subscribe(bus: InstrumentedBus, groupId: string, topics: readonly string[] | RegExp, handleBatch: (batch: MessageBatch) => Promise<void>): Promise<Subscription> {
      const subscription = await bus.subscribe({ groupId, topics, handleBatch });
      subscriptions.push(subscription);
      return subscription;
    }

    it('delivers keyed messages in per-key order, with their key, value and event id', async () => {
      const bus = await world.bus();
      const topic = uniqueName('contract-order');
      await topicsFor(bus, topic);
      const first = keyedMessages(topic, KEYS, 15);
      const second = keyedMessages(topic, KEYS, 15, 15);
      await bus.publish(first);
      await bus.publish(second);

      const received = new Received();
      const subscription = await subscribe(bus, uniqueName('contract-order-group'), [topic], async (batch) => {
        expect(batch.messages.every((message) => message.topic === batch.topic && message.partition === batch.partition)).toBe(true);
        received.record(batch);
      });
      await received.untilCount(first.length + second.length);
      await subscription.stop();

      expect(received.messages).toHaveLength(first.length + second.length);
      expectPerKeyOrder(received.messages, KEYS, [...Array(30).keys()]);
      expectOffsetsIncreasePerPartition(received.messages);
      expect(new Set(received.eventIds())).toEqual(new Set([...first, ...second].map((message) => message.headers?.['event-id'])));
      if (world.partitions > 1) {
        // The keys really were spread over several partitions, so the order above is per key, not global.
        expect(new Set(received.messages.map((message) => message.partition)).size).toBeGreaterThan(1);
      }
    });

    it('with several partitions handed over at once, a partition\'s batches still come one after the other, in per-key order', async () => {
      const bus = await world.bus();
      const topic = uniqueName('contract-concurrent');
      await topicsFor(bus, topic);
      const messages = keyedMessages(topic, KEYS, 20);
      await bus.publish(messages);

      const received = new Received();
      const busy = new Set<number>();
      const overlapping: number[] = [];
      const subscription = await bus.subscribe({
        groupId: uniqueName('contract-concurrent-group'),
        topics: [topic],
        concurrentPartitions: 4,
        handleBatch: async (batch) => {
          if (busy.has(batch.partition)) overlapping.push(batch.partition);
          busy.add(batch.partition);
          // Yield, so batches of other partitions can be handed over meanwhile.
          await new Promise((resolve) => setImmediate(resolve));
          received.record(batch);
          busy.delete(batch.partition);
        },
      });
      subscriptions.push(subscription);
      await received.untilCount(messages.length);
      await subscription.stop();

      expect(overlapping).toEqual([]);
      expectPerKeyOrder(received.messages, KEYS, [...Array(20).keys()]);
      expectOffsetsIncreasePerPartition(received.messages);
    });

    it('commits only after handleBatch resolves: a rejected batch comes again, nothing lost, nothing skipped', async () => {
      const bus = await world.bus();
      const topic = uniqueName('contract-retry');
      const groupId = uniqueName('contract-retry-group');
      await topicsFor(bus, topic);
      const published = keyedMessages(topic, KEYS, 10);
      await bus.publish(published);

      let rejected: MessageBatch | undefined;
      const accepted = new Received();
      const failed = bus.events.waitFor('batch.failed', (event) => event.groupId === groupId);
      const subscription = await subscribe(bus, groupId, [topic], async (batch) => {
        if (!rejected) {
          rejected = batch;
          throw new Error('handler failed once');
        }
        accepted.record(batch);
      });
      await within(failed, 20_000, () => 'no batch.failed event');
      await accepted.untilCount(published.length);
      await subscription.stop();

      // The rejected messages were delivered again, from the same offset on.
      const redelivery = accepted.batches.find((batch) => batch.topic === rejected!.topic && batch.partition === rejected!.partition);
      expect(redelivery?.messages[0]?.offset).toBe(rejected!.messages[0]!.offset);
      const acceptedIds = accepted.eventIds();
      expect(acceptedIds).toEqual(expect.arrayContaining(rejected!.messages.map((message) => message.headers['event-id'])));
      expect(acceptedIds).toHaveLength(new Set(acceptedIds).size);
      expect(new Set(acceptedIds)).toEqual(new Set(published.map((message) => message.headers?.['event-id'])));
      expectPerKeyOrder(accepted.messages, KEYS, [...Array(10).keys()]);

      // What was committed stays committed: the group resumes with only the new message.
      const after = new Received();
      const sentinel = keyedMessages(topic, ['customer-1'], 1, 100);
      await bus.publish(sentinel);
      const resumed = await subscribe(bus, groupId, [topic], async (batch) => after.record(batch));
      await after.untilCount(1);
      await resumed.stop();
      expect(after.eventIds()).toEqual([sentinel[0]!.headers?.['event-id']]);
    });

    it('does not commit a batch whose handler never succeeded: the next member of the group gets it', async () => {
      const bus = await world.bus();
      const topic = uniqueName('contract-uncommitted');
      const groupId = uniqueName('contract-uncommitted-group');
      await topicsFor(bus, topic);
      const published = keyedMessages(topic, KEYS, 5);
      await bus.publish(published);

      const attempts: MessageBatch[] = [];
      const failedTwice = bus.events.waitFor('batch.failed', (event) => event.groupId === groupId && event.attempt >= 2);
      const failing = await subscribe(bus, groupId, [topic], async (batch) => {
        attempts.push(batch);
        throw new Error('downstream unavailable');
      });
      await within(failedTwice, 20_000, () => 'the failing batch was not retried');
      await failing.stop();
      // Retries repeat the same batch, never a later one.
      const firstOffsets = new Map<number, string>();
      for (const batch of attempts) {
        const first = batch.messages[0]!.offset;
        expect(first).toBe(firstOffsets.get(batch.partition) ?? first);
        firstOffsets.set(batch.partition, first);
      }

      const received = new Received();
      const next = await subscribe(bus, groupId, [topic], async (batch) => received.record(batch));
      await received.untilCount(published.length);
      await next.stop();
      expect(received.eventIds().sort()).toEqual(published.map((message) => message.headers?.['event-id']).sort());
      expectPerKeyOrder(received.messages, KEYS, [0, 1, 2, 3, 4]);
    });

    it('a restarted subscriber resumes after the committed position without reprocessing', async () => {
      const bus = await world.bus();
      const topic = uniqueName('contract-restart');
      const groupId = uniqueName('contract-restart-group');
      await topicsFor(bus, topic);
      const before = keyedMessages(topic, KEYS, 5);
      await bus.publish(before);
      const firstRun = new Received();
      const first = await subscribe(bus, groupId, [topic], async (batch) => firstRun.record(batch));
      await firstRun.untilCount(before.length);
      await first.stop();

      // The same keys, so every partition that held old messages gets new ones after them.
      const later = keyedMessages(topic, KEYS, 5, 5);
      await bus.publish(later);
      const secondRun = new Received();
      const second = await subscribe(bus, groupId, [topic], async (batch) => secondRun.record(batch));
      await secondRun.untilCount(later.length);
      await second.stop();

      expect(secondRun.eventIds().sort()).toEqual(later.map((message) => message.headers?.['event-id']).sort());
      expectPerKeyOrder(secondRun.messages, KEYS, [5, 6, 7, 8, 9]);
    });

    it('two subscribers in one group share the work and handle each message once', async (context) => {
      if (!world.peerBus) {
        context.skip('this adapter runs in one process (SQLite)');
        return;
      }
      const busA = await world.bus();
      const busB = await world.peerBus();
      const topics = [uniqueName('contract-share-a'), uniqueName('contract-share-b')];
      const groupId = uniqueName('contract-share-group');
      await topicsFor(busA, ...topics);

      // Each member blocks in its first batch until the other one is handling one too: proof that
      // both hold work at the same time, and that neither can take what the other holds.
      const busyA = deferred();
      const busyB = deferred();
      const receivedA = new Received();
      const receivedB = new Received();
      const all = new Received();
      // Partitions being handled right now, by either member: a partition must never be in two handlers at once.
      const inFlight = new Set<string>();
      const overlaps: string[] = [];
      const member = (received: Received, mine: Deferred, theirs: Deferred) => async (batch: MessageBatch) => {
        const partition = `${batch.topic}/${batch.partition}`;
        if (inFlight.has(partition)) overlaps.push(partition);
        inFlight.add(partition);
        try {
          mine.resolve();
          await within(theirs.promise, 20_000, () => 'the other member never got work');
          received.record(batch);
          all.record(batch);
        } finally {
          inFlight.delete(partition);
        }
      };
      await subscribe(busA, groupId, topics, member(receivedA, busyA, busyB));
      await subscribe(busB, groupId, topics, member(receivedB, busyB, busyA));

      const published = topics.flatMap((topic) => keyedMessages(topic, KEYS, 20));
      await busA.publish(published);
      await all.untilCount(published.length, 40_000);

      expect(overlaps).toEqual([]);
      expect(receivedA.messages.length).toBeGreaterThan(0);
      expect(receivedB.messages.length).toBeGreaterThan(0);
      const handled = all.eventIds();
      expect(handled).toHaveLength(new Set(handled).size);
      expect(new Set(handled)).toEqual(new Set(published.map((message) => message.headers?.['event-id'])));
      for (const topic of topics) {
        expectPerKeyOrder(all.messages.filter((message) => message.topic === topic), KEYS, [...Array(20).keys()]);
      }
    }, 60_000);

    it('subscribes to the topics matching a RegExp', async () => {
      const bus = await world.bus();
      const prefix = uniqueName('contract-regexp');
      const [a, b, other] = [`${prefix}.a`, `${prefix}.b`, `${prefix}.other`];
      await topicsFor(bus, a, b, other);
      const wanted = [...keyedMessages(a, KEYS, 3), ...keyedMessages(b, KEYS, 3)];
      await bus.publish([...keyedMessages(other, KEYS, 3), ...wanted]);

      const received = new Received();
      const pattern = new RegExp(`^${prefix}\\.(a|b)$`);
      const subscription = await subscribe(bus, uniqueName('contract-regexp-group'), pattern, async (batch) => received.record(batch));
      await received.untilCount(wanted.length);
      await subscription.stop();

      expect(new Set(received.messages.map((message) => message.topic))).toEqual(new Set([a, b]));
      expect(received.eventIds().sort()).toEqual(wanted.map((message) => message.headers?.['event-id']).sort());
    });
  });
}
