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

  /** The group's committed positions, summed over the topic's partitions (a partition without a commit counts 0). */
  async function committedTotal(groupId: string, topic: string): Promise<number> {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).reduce((sum, { offset }) => sum + Math.max(0, Number(offset)), 0);
  }

  async function untilCommitted(groupId: string, topic: string, expected: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    let total = await committedTotal(groupId, topic);
    while (total !== expected) {
      if (Date.now() > deadline) throw new Error(`committed ${total} of ${expected} positions`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      total = await committedTotal(groupId, topic);
    }
  }

  it('commits nothing while the batch is being applied, and every partition once it was, without waiting for more traffic', async () => {
    const topic = uniqueName('commits');
    const groupId = uniqueName('commits-group');
    await bus.ensureTopics([{ name: topic, partitions: 4 }]);
    await bus.publish(Array.from({ length: 40 }, (_, index) => ({ topic, key: `customer-${index}`, value: `{"seq":${index}}` })));

    let release: () => void = () => undefined;
    const applying = new Promise<void>((resolve) => (release = resolve));
    let started: () => void = () => undefined;
    const firstBatch = new Promise<void>((resolve) => (started = resolve));
    const received = collector();
    subscriptions.push(
      await bus.subscribe({
        groupId,
        topics: [topic],
        concurrentPartitions: 4,
        handleBatch: async (batch) => {
          started();
          await applying;
          await received.handle(batch);
        },
      }),
    );
    await within(firstBatch, 10_000, () => 'no batch was handed over');
    // Longer than the commit interval: a commit of a batch still being applied would show now.
    await new Promise((resolve) => setTimeout(resolve, COMMIT_INTERVAL_MS * 3));
    expect(await committedTotal(groupId, topic)).toBe(0);

    release();
    await received.until(40);
    // No further message arrives: the last positions are committed by the interval, not by the next batch or stop().
    await untilCommitted(groupId, topic, 40);
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
