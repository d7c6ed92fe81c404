import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscription } from '../src/bus/bus.port.js';
import { KafkaBus } from '../src/kafka/kafka.bus.js';
import { kafkaForTests, type TestKafka } from '../../../tests/support/kafka-broker.js';
import { collector, uniqueName, within } from '../../../tests/support/waiting.js';

const COMMIT_INTERVAL_MS = 300;

/** Offsets are committed after the batches' transactions, several partitions per request, at most `commitIntervalMs` late. */
describe('Kafka bus offset commits', () => {
  let kafka: TestKafka;
  let bus: KafkaBus;
  let admin: Admin;
  const subscriptions: Subscription[] = [];

  beforeAll(async () => {
    kafka = await kafkaForTests();
    bus = new KafkaBus({
      brokers: kafka.brokers,
      clientId: uniqueName('tandem-commits'),
      topicAdmin: { ensureTopics: async (topics) => { for (const topic of topics) await kafka.createTopic(topic.name, topic.partitions); } },
      consumer: { maxWaitTimeInMs: 100, sessionTimeout: 6000, heartbeatInterval: 300, commitIntervalMs: COMMIT_INTERVAL_MS },
    });
    admin = new Kafka({ brokers: kafka.brokers, clientId: uniqueName('commits-admin'), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });
  afterAll(async () => {
    await Promise.all(subscriptions.map((subscription) => subscription.stop()));
    await admin?.disconnect();
    await bus?.close();
    await kafka?.stop();
  });

  /** The group's committed position per partition (-1: none yet). */
  async function committed(groupId: string, topic: string): Promise<Map<number, number>> {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((offsets?.partitions ?? []).map(({ partition, offset }) => [partition, Number(offset)]));
  }

  /** The group's committed positions, summed over the topic's partitions (a partition without a commit counts 0). */
  async function committedTotal(groupId: string, topic: string): Promise<number> {
    return [...(await committed(groupId, topic)).values()].reduce((sum, offset) => sum + Math.max(0, offset), 0);
  }

  /** Polls the group's positions until `done` holds (the commit is asynchronous to the handler). */
  async function untilCommitted(groupId: string, topic: string, done: (positions: Map<number, number>) => boolean, what: string): Promise<Map<number, number>> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const positions = await committed(groupId, topic);
      if (done(positions)) return positions;
      if (Date.now() > deadline) throw new Error(`${what}; committed: ${JSON.stringify([...positions])}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('commits a partition once its batch was applied, without waiting for more traffic, and never one still being applied', async () => {
    const topic = uniqueName('commits');
    const groupId = uniqueName('commits-group');
    await bus.ensureTopics([{ name: topic, partitions: 2 }]);
    await bus.publish(Array.from({ length: 40 }, (_, index) => ({ topic, key: `customer-${index}`, value: `{"seq":${index}}` })));
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, Number(high)]));

    // The first partition handed over is held in the handler; the other one flows.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let handedOver: (partition: number) => void = () => undefined;
    const firstPartition = new Promise<number>((resolve) => (handedOver = resolve));
    let held: number | undefined;
    const received = collector();
    subscriptions.push(
      await bus.subscribe({
        groupId,
        topics: [topic],
        concurrentPartitions: 2,
        handleBatch: async (batch) => {
          held ??= batch.partition;
          handedOver(held);
          if (batch.partition === held) await released;
          await received.handle(batch);
        },
      }),
    );
    try {
      const heldPartition = await within(firstPartition, 10_000, () => 'no batch was handed over');
      const flowing = [...ends.keys()].find((partition) => partition !== heldPartition)!;
      const before = await untilCommitted(groupId, topic, (positions) => positions.get(flowing) === ends.get(flowing), 'the flowing partition was not committed');
      expect(before.get(heldPartition) ?? -1).toBe(-1);
    } finally {
      // Also when an expectation failed: a held batch would keep stop() waiting.
      release();
    }
    await received.until(40);
    // Nothing else arrives: the held partition's position is committed by the interval, not by a next batch or stop().
    await untilCommitted(groupId, topic, (positions) => [...ends].every(([partition, end]) => positions.get(partition) === end), 'not every partition was committed');
    expect(await committedTotal(groupId, topic)).toBe(40);
  });

  it('a member that stops commits what it handled, so the next one starts after it', async () => {
    const topic = uniqueName('commits-stop');
    const groupId = uniqueName('commits-stop-group');
    await bus.ensureTopics([{ name: topic, partitions: 2 }]);
    await bus.publish(Array.from({ length: 10 }, (_, index) => ({ topic, key: `customer-${index}`, value: `{"seq":${index}}` })));
    const first = collector();
    const subscription = await bus.subscribe({ groupId, topics: [topic], handleBatch: (batch) => first.handle(batch) });
    await first.until(10);
    await subscription.stop();
    expect(await committedTotal(groupId, topic)).toBe(10);

    await bus.publish([{ topic, key: 'customer-late', value: '{"seq":10}' }]);
    const second = collector();
    subscriptions.push(await bus.subscribe({ groupId, topics: [topic], handleBatch: (batch) => second.handle(batch) }));
    await second.until(1);
    expect(second.messages.map((message) => message.key)).toEqual(['customer-late']);
  });
});
