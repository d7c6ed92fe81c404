import { describe, expect, it } from 'vitest';
import { ProducerThread } from '../src/kafka/producer-thread.js';

// Sending through the thread is covered by the bus contract suite ("Kafka, producer thread").
describe('Kafka producer thread', () => {
  it("fails to start with the client's own error when no broker can be reached", async () => {
    const started = ProducerThread.start({ brokers: ['127.0.0.1:9'], clientId: 'producer-thread-test', retry: { retries: 1, initialRetryTime: 10, maxRetryTime: 20 } });
    await expect(started).rejects.toMatchObject({ name: expect.stringMatching(/^KafkaJS/), message: expect.stringMatching(/ECONNREFUSED|Connection/) });
  });
});
