import kafkajs, { type Admin, type Kafka } from 'kafkajs';

// kafkajs is CommonJS: Node's ESM loader cannot see its error classes as named exports.
const { KafkaJSAggregateError } = kafkajs;
import type { TopicAdmin, TopicSpec } from '../bus/bus.port.js';
import { createKafkaClient, type KafkaConnectionOptions } from './kafka-client.js';

export interface KafkaAdminTopicsOptions extends KafkaConnectionOptions {
  /** Replication factor of created topics (default: the broker's `default.replication.factor`). */
  readonly replicationFactor?: number;
}

/**
 * Production topic creation through kafkajs `admin.createTopics`. Topics that already exist are
 * left alone (their partition count is not changed). Not usable against the librdkafka mock
 * broker, which lacks the CreateTopics API: tests inject their own `TopicAdmin`.
 */
export class KafkaAdminTopics implements TopicAdmin {
  readonly #kafka: Kafka;
  readonly #replicationFactor: number | undefined;
  #admin: Promise<Admin> | undefined;

  constructor(options: KafkaAdminTopicsOptions) {
    this.#kafka = createKafkaClient(options);
    this.#replicationFactor = options.replicationFactor;
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    if (topics.length === 0) return;
    const admin = await this.#connected();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic: topic.name,
          numPartitions: topic.partitions,
          ...(this.#replicationFactor === undefined ? {} : { replicationFactor: this.#replicationFactor }),
        })),
      });
    } catch (error) {
      // Another process created some of them between listTopics and createTopics.
      const alreadyExists =
        error instanceof KafkaJSAggregateError &&
        error.errors.every((cause) => (cause as { type?: string }).type === 'TOPIC_ALREADY_EXISTS');
      if (!alreadyExists) throw error;
    }
  }

  async close(): Promise<void> {
    const admin = this.#admin;
    this.#admin = undefined;
    if (!admin) return;
    await (await admin.catch(() => undefined))?.disconnect();
  }

  #connected(): Promise<Admin> {
    this.#admin ??= (async () => {
      const admin = this.#kafka.admin();
      await admin.connect();
      return admin;
    })().catch((error: unknown) => {
      this.#admin = undefined;
      throw error;
    });
    return this.#admin;
  }
}
