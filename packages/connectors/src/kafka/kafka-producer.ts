import type { Kafka, TopicMessages } from 'kafkajs';
import { murmur2Partitioner } from './murmur2-partitioner.js';

/** What the bus needs of a producer: batches sent with acks=all, and whether it is connected. */
export interface BatchProducer {
  sendBatch(topicMessages: TopicMessages[]): Promise<void>;
  readonly connected: boolean;
  disconnect(): Promise<void>;
}

/** The hub's producer: idempotent, acks=all, one request in flight per broker, keys partitioned like the Java client. */
export async function connectProducer(kafka: Kafka, onConnection?: (connected: boolean) => void): Promise<BatchProducer> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // murmur2 like the Java client, so partners' consumers and producers agree on key → partition.
    createPartitioner: murmur2Partitioner,
    allowAutoTopicCreation: true,
  });
  let connected = false;
  producer.on(producer.events.CONNECT, () => {
    connected = true;
    onConnection?.(true);
  });
  producer.on(producer.events.DISCONNECT, () => {
    connected = false;
    onConnection?.(false);
  });
  await producer.connect();
  connected = true;
  return {
    sendBatch: async (topicMessages) => {
      await producer.sendBatch({ acks: -1, topicMessages });
    },
    get connected() {
      return connected;
    },
    disconnect: () => producer.disconnect(),
  };
}
