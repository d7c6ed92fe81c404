import { Kafka, logLevel, type LogEntry, type RetryOptions } from 'kafkajs';
import type { BusLogger, BusLogLevel } from '../bus/bus-instrumentation.js';

export interface KafkaConnectionOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Receives kafkajs logs (default: silent). */
  readonly logger?: BusLogger;
  /** Least severe level passed to `logger` (default 'info'). */
  readonly logLevel?: BusLogLevel;
  /** Client-level retry of broker requests (kafkajs `retry`); delays are capped at `maxRetryTime` (default 5000 ms). */
  readonly retry?: RetryOptions;
}

const toKafkaLevel: Record<BusLogLevel, logLevel> = {
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

function fromKafkaLevel(level: logLevel): BusLogLevel {
  if (level <= logLevel.ERROR) return 'error';
  if (level === logLevel.WARN) return 'warn';
  if (level === logLevel.INFO) return 'info';
  return 'debug';
}

export const defaultKafkaRetry = {
  initialRetryTime: 100,
  maxRetryTime: 5000,
  factor: 0.2,
  multiplier: 2,
  retries: 8,
} as const satisfies RetryOptions;

/** A kafkajs client whose logs go through the bus logger (silent without one). */
export function createKafkaClient(options: KafkaConnectionOptions): Kafka {
  const logger = options.logger;
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    retry: { ...defaultKafkaRetry, ...options.retry },
    logLevel: logger ? toKafkaLevel[options.logLevel ?? 'info'] : logLevel.NOTHING,
    logCreator: () => (entry: LogEntry) => {
      if (!logger) return;
      const { message, timestamp: _timestamp, ...extra } = entry.log;
      logger(fromKafkaLevel(entry.level), message, { namespace: entry.namespace, ...extra });
    },
  });
}
