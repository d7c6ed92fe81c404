import type { Orm } from '@tandem/core';
import type { TopicAdmin } from './bus.port.js';
import type { BusLogger, InstrumentedBus } from './bus-instrumentation.js';
import { EmbeddedLogBus, type EmbeddedLogBusOptions } from '../embedded/embedded-log.bus.js';
import { KafkaBus, type KafkaBusOptions } from '../kafka/kafka.bus.js';

export interface CreateBusOptions {
  /** The hub's database: the embedded log lives in it. */
  readonly orm: Orm;
  /** `KAFKA_BROKERS`: set and non-empty selects Kafka; otherwise the embedded log. */
  readonly kafkaBrokers?: readonly string[];
  /** Kafka client id (ignored by the embedded log). */
  readonly clientId: string;
  /** Kafka topic creation; default kafkajs admin. */
  readonly topicAdmin?: TopicAdmin;
  readonly logger?: BusLogger;
  /** Adapter tuning, mostly for tests and benchmarks. */
  readonly embedded?: Omit<EmbeddedLogBusOptions, 'orm' | 'logger'>;
  readonly kafka?: Omit<KafkaBusOptions, 'brokers' | 'clientId' | 'topicAdmin' | 'logger'>;
}

/**
 * The bus chosen by configuration only: Kafka when brokers are configured, else the embedded log.
 * In Kafka mode the caller also runs an `OutboxRelay` so outbox rows reach Kafka.
 */
export function createBus(options: CreateBusOptions): InstrumentedBus {
  const brokers = options.kafkaBrokers?.map((broker) => broker.trim()).filter((broker) => broker.length > 0) ?? [];
  if (brokers.length > 0) {
    return new KafkaBus({
      ...options.kafka,
      brokers,
      clientId: options.clientId,
      ...(options.topicAdmin ? { topicAdmin: options.topicAdmin } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }
  return new EmbeddedLogBus({
    ...options.embedded,
    orm: options.orm,
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
