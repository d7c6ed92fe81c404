import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscription } from '../src/bus/bus.port.js';
import { KafkaBus } from '../src/kafka/kafka.bus.js';
import { mockKafkaUnavailable, startMockKafka, type MockKafkaCluster } from '../../../tests/support/kafka-broker.js';
import { uniqueName, within } from '../../../tests/support/waiting.js';

/** Kafka protocol API key of SyncGroup, and the error the coordinator answers a malformed or stale one with. */
const SYNC_GROUP = 14;
const INVALID_REQUEST = 42;

// Faults are injected through the mock cluster's control channel, so this suite needs the mock (not KAFKA_BROKERS).
describe.skipIf(mockKafkaUnavailable())('Kafka bus under broker faults (mock cluster)', () => {
  let cluster: MockKafkaCluster;
  let bus: KafkaBus;
  const subscriptions: Subscription[] = [];

  beforeAll(async () => {
    cluster = await startMockKafka({ brokers: 3 });
    bus = new KafkaBus({
      brokers: cluster.brokers,
      clientId: uniqueName('tandem-faults'),
      topicAdmin: { ensureTopics: async (topics) => { for (const topic of topics) await cluster.createTopic(topic.name, topic.partitions); } },
      consumer: { maxWaitTimeInMs: 100, sessionTimeout: 6000, heartbeatInterval: 300, joinTimeoutMs: 30_000 },
      retry: { initialRetryTime: 50, maxRetryTime: 500, retries: 5 },
    });
  });
  afterAll(async () => {
    await Promise.all(subscriptions.map((subscription) => subscription.stop()));
    await bus?.close();
    await cluster?.stop();
  });

  it('joins its group after the coordinator refused the first SyncGroup, and then consumes', async () => {
    const topic = uniqueName('faults-join');
    await bus.ensureTopics([{ name: topic, partitions: 2 }]);
    await bus.publish([{ topic, key: 'customer-1', value: '{"seq":0}', headers: { 'event-id': 'e-0' } }]);
    const failures: unknown[] = [];
    const off = bus.events.on('consumer.failed', ({ error }) => failures.push(error));
    await cluster.command(`error ${SYNC_GROUP} ${INVALID_REQUEST} 1`);

    let resolveReceived: (keys: string[]) => void = () => undefined;
    const received = new Promise<string[]>((resolve) => (resolveReceived = resolve));
    subscriptions.push(await bus.subscribe({ groupId: uniqueName('faults-group'), topics: [topic], handleBatch: async (batch) => {
      resolveReceived(batch.messages.map((message) => message.key));
    } }));
    off();

    expect(failures).toHaveLength(1);
    expect(String(failures[0])).toMatch(/malformed/);
    expect(await within(received, 10_000, () => 'the published message was not consumed')).toEqual(['customer-1']);
  });
});
