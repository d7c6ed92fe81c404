import { randomUUID } from 'node:crypto';
import type { ConsumedMessage, MessageBatch } from '@tandem/connectors';

/** Rejects with a useful message if `promise` has not settled by the deadline (a guard with better diagnostics than the test timeout; not a sleep). */
export async function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Kafka-safe unique names, so tests never share topics or groups. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 12)}`;

export interface Collector {
  readonly messages: ConsumedMessage[];
  handle(batch: MessageBatch): Promise<void>;
  /** Resolves once `count` messages arrived (rejects after 20 s with what is missing). */
  until(count: number): Promise<void>;
}

/** Collects consumed messages for a subscription's `handleBatch`. */
export function collector(): Collector {
  const messages: ConsumedMessage[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    messages,
    async handle(batch) {
      messages.push(...batch.messages);
      for (const waiter of waiters.filter((w) => messages.length >= w.count)) waiter.resolve();
    },
    until(count) {
      if (messages.length >= count) return Promise.resolve();
      return within(new Promise<void>((resolve) => waiters.push({ count, resolve })), 20_000, () => `waiting for ${count} messages, have ${messages.length}`);
    },
  };
}
