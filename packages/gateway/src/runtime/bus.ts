import type { Logger } from 'pino';
import type { Orm } from '@tandem/core';
import { createBus, type BusLogger, type InstrumentedBus } from '@tandem/connectors';
import type { Config } from '../config/config.js';

/** Routes the bus adapters' (and kafkajs') log lines to the process logger. */
export function busLogger(logger: Logger): BusLogger {
  const child = logger.child({ component: 'bus' });
  return (level, message, extra) => child[level](extra ?? {}, message);
}

/** The bus chosen by configuration: Kafka when KAFKA_BROKERS is set (publishing from a producer thread), else the embedded log. */
export function createConfiguredBus(config: Config, orm: Orm, logger: Logger): InstrumentedBus {
  return createBus({
    orm,
    clientId: config.KAFKA_CLIENT_ID,
    ...(config.KAFKA_BROKERS ? { kafkaBrokers: config.KAFKA_BROKERS } : {}),
    logger: busLogger(logger),
    // kafkajs' encoding on a thread of its own, beside the ingest (producer-thread.ts).
    kafka: { producerThread: true },
  });
}
