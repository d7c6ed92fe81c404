import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import type { Consumer, EachMessagePayload, Producer } from 'kafkajs';
import {
  kafkaForTests,
  kafkaUnavailable,
  mockKafkaUnavailable,
  startMockKafka,
} from '../support/kafka-broker.js';
import type { TestKafka } from '../support/kafka-broker.js';
import { within, uniqueName } from '../support/waiting.js';


describe.skipIf(kafkaUnavailable())('Kafka test broker with kafkajs 2.2.4', () => {
  let cluster: TestKafka;

  beforeAll(async () => {
    cluster = await kafkaForTests();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('round-trips 50 keyed messages through an idempotent producer and a consumer group, in per-key order', async () => {
    const topic = uniqueName('tandem-harness');
    const groupId = uniqueName('tandem-harness-group');
    const keys = ['contact-1', 'contact-2', 'contact-3', 'deal-7', 'account-42'];
    const perKey = 10;
    const total = keys.length * perKey;

    await cluster.createTopic(topic, 3);

    const kafka = new Kafka({
      clientId: uniqueName('tandem-harness-client'),
      brokers: cluster.brokers,
      logLevel: logLevel.NOTHING,
    });

    const metadata = await (async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        return await admin.fetchTopicMetadata({ topics: [topic] });
      } finally {
        await admin.disconnect();
      }
    })();
    expect(metadata.topics[0]?.partitions).toHaveLength(3);

    const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const consumer: Consumer = kafka.consumer({
      groupId,
      maxWaitTimeInMs: 100,
      sessionTimeout: 6000,
      heartbeatInterval: 300,
    });

    const received: { key: string; seq: number; partition: number; offset: string }[] = [];
    let resolveAll!: () => void;
    const allReceived = new Promise<void>((resolve) => {
      resolveAll = resolve;
    });

    try {
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });

      const joined = new Promise<Record<string, number[]>>((resolve) => {
        const remove = consumer.on(consumer.events.GROUP_JOIN, (event) => {
          remove();
          resolve(event.payload.memberAssignment);
        });
      });

      await consumer.run({
        eachMessage: async ({ message, partition }: EachMessagePayload) => {
          const key = message.key?.toString() ?? '';
          const value = JSON.parse(message.value?.toString() ?? 'null') as { key: string; seq: number };
          expect(value.key).toBe(key);
          received.push({ key, seq: value.seq, partition, offset: message.offset });
          if (received.length >= total) resolveAll();
        },
      });

      const assignment = await within(joined, 20_000, () => 'consumer never joined the group');
      expect([...(assignment[topic] ?? [])].sort()).toEqual([0, 1, 2]);

      // Five sequential batches of ten, one message per key each, acks = all.
      for (let seq = 0; seq < perKey; seq++) {
        const metadataPerPartition = await producer.send({
          topic,
          acks: -1,
          messages: keys.map((key) => ({
            key,
            value: JSON.stringify({ key, seq }),
            headers: { 'x-tandem-seq': String(seq) },
          })),
        });
        for (const m of metadataPerPartition) expect(m.errorCode).toBe(0);
      }

      await within(allReceived, 20_000, () => `received ${received.length}/${total} messages`);

      expect(received).toHaveLength(total);
      const ids = new Set(received.map((r) => `${r.key}#${r.seq}`));
      expect(ids.size).toBe(total); // no duplicates, nothing missing

      for (const key of keys) {
        const forKey = received.filter((r) => r.key === key);
        // Per-key order: sequence numbers arrive exactly as they were sent.
        expect(forKey.map((r) => r.seq)).toEqual(Array.from({ length: perKey }, (_, i) => i));
        // The same key always lands on the same partition, at increasing offsets.
        expect(new Set(forKey.map((r) => r.partition)).size).toBe(1);
        const offsets = forKey.map((r) => BigInt(r.offset));
        for (let i = 1; i < offsets.length; i++) {
          expect(offsets[i]! > offsets[i - 1]!).toBe(true);
        }
      }
      for (const r of received) expect([0, 1, 2]).toContain(r.partition);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });
});

describe.skipIf(mockKafkaUnavailable())('mock Kafka control channel', () => {
  it('serialises commands, reports errors, and stops cleanly', async () => {
    const mock = await startMockKafka({ brokers: 2 });
    try {
      expect(mock.brokers).toHaveLength(2);
      for (const b of mock.brokers) expect(b).toMatch(/^127\.0\.0\.1:\d+$/);

      // Issued concurrently; replies must pair up with their own commands.
      const topics = Array.from({ length: 5 }, (_, i) => uniqueName(`ctl-${i}`));
      const results = await Promise.allSettled([
        mock.command('ping'),
        ...topics.map((t) => mock.createTopic(t, 2)),
        mock.command('no-such-command'),
        mock.createTopic(topics[0]!, 2), // already exists
        mock.command('down 99'), // no such broker
        mock.command('ping'),
      ]);
      const status = results.map((r) => r.status);
      expect(status).toEqual([
        'fulfilled',
        ...topics.map(() => 'fulfilled'),
        'rejected',
        'rejected',
        'rejected',
        'fulfilled',
      ]);
      const reasons = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
      expect(reasons[0]).toContain('UNKNOWN_COMMAND');
      expect(reasons[1]).toContain('TOPIC_ALREADY_EXISTS');
      expect(reasons[2]).toContain('BAD_ARGS');

      await expect(mock.command('')).rejects.toThrow(/one non-empty line/);
      await expect(mock.command('ping\nping')).rejects.toThrow(/one non-empty line/);
    } finally {
      await mock.stop();
    }
    await mock.stop(); // idempotent
    await expect(mock.command('ping')).rejects.toThrow(/stopped/);
  });
});
