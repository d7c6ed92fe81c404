import { Worker } from 'node:worker_threads';
import type { RetryOptions, TopicMessages } from 'kafkajs';
import type { BusLogger, BusLogLevel } from '../bus/bus-instrumentation.js';
import { tsxExecArgv } from '../worker-threads.js';
import type { BatchProducer } from './kafka-producer.js';

/** What the thread is started with: plain data. */
export interface ProducerThreadData {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly retry?: RetryOptions;
  readonly logLevel?: BusLogLevel;
  /** Whether the hub has a logger to receive kafkajs' logs. */
  readonly forwardLogs: boolean;
}

export type ProducerThreadRequest = { readonly type: 'send'; readonly id: number; readonly topicMessages: readonly TopicMessages[] } | { readonly type: 'close' };

export interface SerialisedError {
  readonly name: string;
  readonly message: string;
  readonly retriable: boolean | undefined;
}

export type ProducerThreadReply =
  | { readonly type: 'ready' }
  | { readonly type: 'connect-failed'; readonly error: SerialisedError }
  | { readonly type: 'connection'; readonly connected: boolean }
  | { readonly type: 'sent'; readonly id: number }
  | { readonly type: 'send-failed'; readonly id: number; readonly error: SerialisedError }
  | { readonly type: 'log'; readonly level: BusLogLevel; readonly message: string; readonly extra: Record<string, unknown> };

function errorOf({ name, message, retriable }: SerialisedError): Error {
  return Object.assign(new Error(message), { name, ...(retriable === undefined ? {} : { retriable }) });
}


/**
 * The bus's producer in a worker thread of its own. kafkajs encodes every record, header and batch
 * in JavaScript: at 2,000 events/s with five recipients that is ~20 % of the hub's main thread,
 * which the ingest needs. Sends are posted to the thread (the messages are copied) and settle when
 * the brokers acknowledged them (acks=all), as with a producer on the calling thread. If the thread
 * dies, its pending and later sends fail and `onFailure` tells the bus to start a new one.
 */
export class ProducerThread implements BatchProducer {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { readonly resolve: () => void; readonly reject: (error: Error) => void }>();
  readonly #exited: Promise<void>;
  #nextId = 0;
  #connected = true;
  #failure: Error | undefined;
  #onFailure: (() => void) | undefined;
  #closing = false;

  private constructor(worker: Worker) {
    this.#worker = worker;
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
  }

  /** Starts the thread; resolves once its producer is connected, rejects if it could not connect. */
  static start(data: Omit<ProducerThreadData, 'forwardLogs'>, logger?: BusLogger): Promise<ProducerThread> {
    const worker = new Worker(new URL('./producer-thread.entry.mjs', import.meta.url), {
      workerData: { ...data, forwardLogs: logger !== undefined } satisfies ProducerThreadData,
      execArgv: tsxExecArgv(),
    });
    const thread = new ProducerThread(worker);
    return new Promise<ProducerThread>((resolve, reject) => {
      worker.on('message', (reply: ProducerThreadReply) => {
        if (reply.type === 'ready') resolve(thread);
        else if (reply.type === 'connect-failed') reject(errorOf(reply.error));
        else if (reply.type === 'log') logger?.(reply.level, reply.message, reply.extra);
        else thread.#settle(reply);
      });
      worker.on('error', (error) => {
        thread.#fail(error);
        reject(error);
      });
      worker.on('exit', (code) => {
        const error = new Error(`the Kafka producer thread exited (code ${code})`);
        thread.#fail(error);
        reject(error);
      });
    });
  }

  /** `callback` runs once if the thread dies (not when it was asked to close). */
  onFailure(callback: () => void): void {
    this.#onFailure = callback;
  }

  get connected(): boolean {
    return this.#connected && !this.#failure;
  }

  sendBatch(topicMessages: TopicMessages[]): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ type: 'send', id, topicMessages } satisfies ProducerThreadRequest);
    });
  }

  /** Disconnects the producer (after the sends in flight) and ends the thread. */
  async disconnect(): Promise<void> {
    this.#closing = true;
    if (!this.#failure) this.#worker.postMessage({ type: 'close' } satisfies ProducerThreadRequest);
    await this.#exited;
  }

  #settle(reply: Extract<ProducerThreadReply, { type: 'connection' | 'sent' | 'send-failed' }>): void {
    if (reply.type === 'connection') {
      this.#connected = reply.connected;
      return;
    }
    const pending = this.#pending.get(reply.id);
    this.#pending.delete(reply.id);
    if (reply.type === 'sent') pending?.resolve();
    else pending?.reject(errorOf(reply.error));
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
    if (!this.#closing) this.#onFailure?.();
  }
}
