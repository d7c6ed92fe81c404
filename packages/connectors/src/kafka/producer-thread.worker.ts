import { parentPort, workerData } from 'node:worker_threads';
import type { TopicMessages } from 'kafkajs';
import type { BusLogLevel } from '../bus/bus-instrumentation.js';
import { createKafkaClient } from './kafka-client.js';
import { connectProducer } from './kafka-producer.js';
import type { ProducerThreadData, ProducerThreadReply, ProducerThreadRequest, SerialisedError } from './producer-thread.js';

/** The producer thread (see producer-thread.ts): one kafkajs producer, sending what the hub's thread posts. */
const port = parentPort!;
const data = workerData as ProducerThreadData;
const reply = (message: ProducerThreadReply) => port.postMessage(message);

function forwardLog(level: BusLogLevel, message: string, extra: Record<string, unknown>): void {
  try {
    reply({ type: 'log', level, message, extra });
  } catch {
    // Something in `extra` cannot be copied to the hub's thread: the message alone.
    reply({ type: 'log', level, message, extra: {} });
  }
}

function serialised(error: unknown): SerialisedError {
  return {
    name: error instanceof Error ? error.name : 'Error',
    message: error instanceof Error ? error.message : String(error),
    retriable: typeof error === 'object' && error !== null && 'retriable' in error ? Boolean(error.retriable) : undefined,
  };
}

async function serve(): Promise<void> {
  const { forwardLogs, ...connection } = data;
  const kafka = createKafkaClient({ ...connection, ...(forwardLogs ? { logger: forwardLog } : {}) });
  const producer = await connectProducer(kafka, (connected) => reply({ type: 'connection', connected }));
  port.on('message', (request: ProducerThreadRequest) => {
    if (request.type === 'close') {
      void producer.disconnect().finally(() => port.close());
      return;
    }
    producer.sendBatch(request.topicMessages as TopicMessages[]).then(
      () => reply({ type: 'sent', id: request.id }),
      (error: unknown) => reply({ type: 'send-failed', id: request.id, error: serialised(error) }),
    );
  });
  reply({ type: 'ready' });
}

serve().catch((error: unknown) => {
  reply({ type: 'connect-failed', error: serialised(error) });
  port.close();
});
