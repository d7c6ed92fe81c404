import {
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type Kafka,
  type KafkaMessage,
  type Message,
  type RetryOptions,
} from 'kafkajs';
import type {
  ConsumedMessage,
  OutgoingMessage,
  SubscribeOptions,
  Subscription,
  TopicAdmin,
  TopicSpec,
} from '../bus/bus.port.js';
import {
  Instrumentation,
  type BusEvents,
  type BusLogger,
  type BusLogLevel,
  type InstrumentedBus,
} from '../bus/bus-instrumentation.js';
import { createKafkaClient, defaultKafkaRetry } from './kafka-client.js';
import { KafkaAdminTopics } from './kafka-topic-admin.js';
import { connectProducer, type BatchProducer } from './kafka-producer.js';
import { ProducerThread } from './producer-thread.js';

/** Consumer tuning; the defaults are kafkajs' except where noted. Tests pass small values. */
export interface KafkaConsumerTuning {
  /** Longest a fetch waits for data (kafkajs default 5000 ms). */
  readonly maxWaitTimeInMs?: number;
  /** kafkajs default 30000 ms. */
  readonly sessionTimeout?: number;
  /** kafkajs default 3000 ms; also the pace of heartbeats sent while a long batch is handled. */
  readonly heartbeatInterval?: number;
  readonly rebalanceTimeout?: number;
  /** How long `subscribe` tries to join the group (a refused join is retried with backoff) before failing (default 60000 ms). */
  readonly joinTimeoutMs?: number;
  /**
   * Longest a handled batch's offset waits to be committed (default 1000 ms): the positions of all
   * partitions handled meanwhile go in one OffsetCommit instead of one round trip per batch, which
   * would hold up every partition's next fetch. Commits still follow the transactions that applied
   * the batches; after a crash at most this much is delivered again (and skipped by the inbox).
   */
  readonly commitIntervalMs?: number;
}

export interface KafkaBusOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Topic creation; default `KafkaAdminTopics` (kafkajs admin) on the same brokers. */
  readonly topicAdmin?: TopicAdmin;
  /** Receives kafkajs logs; default silent. */
  readonly logger?: BusLogger;
  /** Least severe level passed to `logger` (default 'info'). */
  readonly logLevel?: BusLogLevel;
  readonly consumer?: KafkaConsumerTuning;
  /**
   * Retry with exponential backoff (cap `maxRetryTime`, default 5000 ms) for broker requests and
   * for rejected batches: a rejected batch is fetched and handled again, never committed; when the
   * retries are exhausted the consumer restarts from the committed offset.
   */
  readonly retry?: RetryOptions;
  /**
   * Publish from a worker thread of the bus's own (default false): kafkajs' encoding then runs
   * beside the caller's work instead of on its event loop. The hub's processes set it
   * (producer-thread.ts).
   */
  readonly producerThread?: boolean;
  /** Called after every group join (also emitted as `group.join` on `events`). */
  readonly onGroupJoin?: (event: BusEvents['group.join']) => void;
}

const DEFAULT_JOIN_TIMEOUT_MS = 60_000;
const JOIN_RETRY_BASE_DELAY_MS = 250;
const JOIN_RETRY_MAX_DELAY_MS = 4_000;
const DEFAULT_HEARTBEAT_INTERVAL_MS = 3000;
const DEFAULT_COMMIT_INTERVAL_MS = 1000;

/**
 * The bus over Apache Kafka (kafkajs). Publishing uses an idempotent producer with acks=all;
 * each subscription is one consumer group member that commits offsets explicitly, only after
 * `handleBatch` resolved.
 */
export class KafkaBus implements InstrumentedBus {
  readonly kind = 'kafka' as const;
  readonly events = new Instrumentation<BusEvents>();

  readonly #kafka: Kafka;
  readonly #options: KafkaBusOptions;
  readonly #topicAdmin: TopicAdmin;
  readonly #ownedTopicAdmin: KafkaAdminTopics | undefined;
  readonly #subscriptions = new Set<KafkaSubscription>();
  #producer: Promise<BatchProducer> | undefined;
  #admin: Promise<Admin> | undefined;
  #closed = false;

  constructor(options: KafkaBusOptions) {
    if (options.brokers.length === 0) throw new Error('KafkaBus needs at least one broker');
    this.#options = options;
    this.#kafka = createKafkaClient(options);
    if (options.topicAdmin) {
      this.#topicAdmin = options.topicAdmin;
    } else {
      this.#ownedTopicAdmin = new KafkaAdminTopics(options);
      this.#topicAdmin = this.#ownedTopicAdmin;
    }
    if (options.onGroupJoin) this.events.on('group.join', options.onGroupJoin);
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    this.#assertOpen();
    if (messages.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const message of messages) {
      let list = byTopic.get(message.topic);
      if (!list) {
        list = [];
        byTopic.set(message.topic, list);
      }
      list.push({
        key: message.key,
        value: typeof message.value === 'string' ? message.value : toBuffer(message.value),
        ...(message.headers ? { headers: { ...message.headers } } : {}),
      });
    }
    const producer = await this.#connectedProducer();
    await producer.sendBatch([...byTopic].map(([topic, list]) => ({ topic, messages: list })));
  }

  /**
   * Joins `groupId` and resolves once this member has joined and received its assignment (which
   * is empty when the group has more members than partitions); a join the coordinator refuses is
   * retried with a fresh member until `joinTimeoutMs`. A RegExp is matched against the
   * topics that exist when subscribing (kafkajs does not pick up topics created later).
   */
  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.#assertOpen();
    const joinTimeoutMs = this.#options.consumer?.joinTimeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS;
    const deadline = Date.now() + joinTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const subscription = this.#newSubscription(options);
      try {
        await subscription.start(Math.max(1, deadline - Date.now()));
        return subscription;
      } catch (error) {
        await subscription.stop().catch(() => undefined);
        // A join can fail while the group rebalances (a coordinator answering a SyncGroup of the
        // previous generation, a broker restarting): try again with a fresh member until the deadline.
        const delay = Math.min(JOIN_RETRY_MAX_DELAY_MS, JOIN_RETRY_BASE_DELAY_MS * 2 ** attempt);
        if (this.#closed || Date.now() + delay >= deadline) throw error;
        this.events.emit('consumer.failed', { groupId: options.groupId, error, restart: true });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  #newSubscription(options: SubscribeOptions): KafkaSubscription {
    const tuning = this.#options.consumer ?? {};
    const retry = { ...defaultKafkaRetry, ...this.#options.retry };
    const consumer = this.#kafka.consumer({
      groupId: options.groupId,
      ...(tuning.maxWaitTimeInMs === undefined ? {} : { maxWaitTimeInMs: tuning.maxWaitTimeInMs }),
      ...(tuning.sessionTimeout === undefined ? {} : { sessionTimeout: tuning.sessionTimeout }),
      ...(tuning.heartbeatInterval === undefined ? {} : { heartbeatInterval: tuning.heartbeatInterval }),
      ...(tuning.rebalanceTimeout === undefined ? {} : { rebalanceTimeout: tuning.rebalanceTimeout }),
      allowAutoTopicCreation: false,
      // Handler rejections are plain errors; always restart rather than leave the partition unconsumed.
      retry: { ...retry, restartOnFailure: async () => true },
    });
    const subscription = new KafkaSubscription(
      consumer,
      options,
      this.events,
      { heartbeatInterval: tuning.heartbeatInterval ?? DEFAULT_HEARTBEAT_INTERVAL_MS, commitInterval: tuning.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS },
      () => this.#subscriptions.delete(subscription),
    );
    this.#subscriptions.add(subscription);
    return subscription;
  }

  ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    this.#assertOpen();
    return this.#topicAdmin.ensureTopics(topics);
  }

  /** The producer is connected and a metadata request to the cluster succeeds. */
  async isReady(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      if (!(await this.#connectedProducer()).connected) return false;
      const admin = await this.#connectedAdmin();
      await admin.describeCluster();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#subscriptions].map((subscription) => subscription.stop()));
    const producer = this.#producer;
    const admin = this.#admin;
    this.#producer = undefined;
    this.#admin = undefined;
    await Promise.allSettled([
      producer?.then((p) => p.disconnect()),
      admin?.then((a) => a.disconnect()),
      this.#ownedTopicAdmin?.close(),
    ]);
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('KafkaBus is closed');
  }

  #connectedProducer(): Promise<BatchProducer> {
    if (!this.#producer) {
      const forget = () => {
        if (this.#producer === starting) this.#producer = undefined;
      };
      const starting = this.#startProducer(forget);
      this.#producer = starting;
      starting.catch(forget);
    }
    return this.#producer;
  }

  /** `lost`: called when a producer thread dies, so that the next send starts a new one. */
  async #startProducer(lost: () => void): Promise<BatchProducer> {
    if (!this.#options.producerThread) return connectProducer(this.#kafka);
    const { brokers, clientId, retry, logLevel, logger } = this.#options;
    const thread = await ProducerThread.start({ brokers, clientId, ...(retry ? { retry } : {}), ...(logLevel ? { logLevel } : {}) }, logger);
    thread.onFailure(lost);
    return thread;
  }

  #connectedAdmin(): Promise<Admin> {
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

/** The position to commit for a handled partition: the offset of the next message to read. */
interface PendingOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

class KafkaSubscription implements Subscription {
  readonly #consumer: Consumer;
  readonly #options: SubscribeOptions;
  readonly #events: Instrumentation<BusEvents>;
  readonly #intervals: { readonly heartbeatInterval: number; readonly commitInterval: number };
  readonly #onStopped: () => void;
  /** Consecutive failures per topic-partition, for `batch.failed`. */
  readonly #failures = new Map<string, number>();
  /** Handled (their transactions committed) but not yet committed to the group, per topic-partition. */
  readonly #pending = new Map<string, PendingOffset>();
  #lastCommitAt = Date.now();
  #flushTimer: NodeJS.Timeout | undefined;
  #stopRequested = false;
  #stopping: Promise<void> | undefined;

  constructor(
    consumer: Consumer,
    options: SubscribeOptions,
    events: Instrumentation<BusEvents>,
    intervals: { readonly heartbeatInterval: number; readonly commitInterval: number },
    onStopped: () => void,
  ) {
    this.#consumer = consumer;
    this.#options = options;
    this.#events = events;
    this.#intervals = intervals;
    this.#onStopped = onStopped;
  }

  async start(joinTimeoutMs: number): Promise<void> {
    const consumer = this.#consumer;
    const { groupId } = this.#options;
    let timer: NodeJS.Timeout | undefined;
    let joinedOnce = false;
    const joined = new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        joinedOnce = true;
        const assignment: Record<string, number[]> = {};
        for (const [topic, partitions] of Object.entries(payload.memberAssignment)) assignment[topic] = [...partitions];
        this.#keepPendingOf(assignment);
        this.#events.emit('group.join', { groupId, assignment });
        resolve();
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        // Before the first join a crash fails `start` (and `subscribe` reports it when it tries again).
        if (joinedOnce) this.#events.emit('consumer.failed', { groupId, error: payload.error, restart: payload.restart });
        if (!payload.restart) reject(payload.error);
      });
      timer = setTimeout(() => reject(new Error(`consumer group ${groupId} was not joined within ${joinTimeoutMs} ms`)), joinTimeoutMs);
    });
    joined.catch(() => undefined); // observed below; keeps an early rejection from being reported as unhandled
    try {
      await consumer.connect();
      await consumer.subscribe({
        topics: Array.isArray(this.#options.topics) ? [...this.#options.topics] : [this.#options.topics as RegExp],
        fromBeginning: this.#options.fromBeginning ?? true,
      });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.#options.concurrentPartitions ?? 1,
        eachBatch: (payload) => this.#eachBatch(payload),
      });
      await joined;
    } finally {
      clearTimeout(timer);
    }
    // A partition that goes quiet still gets its last position committed within the interval.
    this.#flushTimer = setInterval(() => {
      if (Date.now() - this.#lastCommitAt >= this.#intervals.commitInterval) void this.#commitPending((offsets) => this.#consumer.commitOffsets(offsets)).catch(() => undefined);
    }, this.#intervals.commitInterval);
    this.#flushTimer.unref();
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stopRequested = true;
      clearInterval(this.#flushTimer);
      // Positions already handled are committed before leaving, so the next member resumes after them; the
      // batch in flight commits its own (below). disconnect() stops fetching, waits for it, then leaves the group.
      await this.#commitPending((offsets) => this.#consumer.commitOffsets(offsets)).catch(() => undefined);
      await this.#consumer.disconnect();
    })().finally(this.#onStopped);
    return this.#stopping;
  }

  /** Commits every pending position in one request; a position handled meanwhile stays pending. */
  async #commitPending(commit: (offsets: PendingOffset[]) => Promise<unknown>): Promise<void> {
    if (this.#pending.size === 0) return;
    const offsets = [...this.#pending.values()];
    this.#lastCommitAt = Date.now();
    await commit(offsets);
    for (const committed of offsets) {
      const key = partitionKey(committed.topic, committed.partition);
      if (this.#pending.get(key) === committed) this.#pending.delete(key);
    }
  }

  /** After a rebalance, positions of partitions now owned by another member are theirs to commit. */
  #keepPendingOf(assignment: Readonly<Record<string, readonly number[]>>): void {
    for (const [key, pending] of this.#pending) {
      if (!assignment[pending.topic]?.includes(pending.partition)) this.#pending.delete(key);
    }
  }

  async #eachBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const { topic, partition } = batch;
    const messages = batch.messages.map((message) => toConsumed(topic, partition, message));
    const beat = setInterval(() => {
      heartbeat().catch(() => undefined);
    }, this.#intervals.heartbeatInterval);
    const failureKey = partitionKey(topic, partition);
    try {
      await this.#options.handleBatch({ topic, partition, messages });
    } catch (error) {
      const attempt = (this.#failures.get(failureKey) ?? 0) + 1;
      this.#failures.set(failureKey, attempt);
      this.#events.emit('batch.failed', { groupId: this.#options.groupId, topic, partition, attempt, error });
      // Unresolved and uncommitted: kafkajs fetches the same offsets again after its retry backoff.
      throw error;
    } finally {
      clearInterval(beat);
    }
    this.#failures.delete(failureKey);
    const lastOffset = batch.messages[batch.messages.length - 1]!.offset;
    resolveOffset(lastOffset);
    // Kafka commits the offset of the next message to read.
    this.#pending.set(failureKey, { topic, partition, offset: (BigInt(lastOffset) + 1n).toString() });
    if (this.#stopRequested || Date.now() - this.#lastCommitAt >= this.#intervals.commitInterval) {
      await this.#commitPending(async (offsets) => {
        const topics = new Map<string, { partition: number; offset: string }[]>();
        for (const { topic: name, partition: index, offset } of offsets) topics.set(name, [...(topics.get(name) ?? []), { partition: index, offset }]);
        await commitOffsetsIfNecessary({ topics: [...topics].map(([name, partitions]) => ({ topic: name, partitions })) });
      });
    }
    this.#events.emit('batch.committed', {
      groupId: this.#options.groupId,
      topic,
      partition,
      count: messages.length,
      lastOffset,
    });
    await heartbeat();
  }
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function toBuffer(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function toConsumed(topic: string, partition: number, message: KafkaMessage): ConsumedMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString('utf8') : '',
    value: message.value ?? new Uint8Array(0),
    headers: headersOf(message.headers),
  };
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (!headers) return result;
  for (const [name, raw] of Object.entries(headers)) {
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined) continue;
    result[name] = typeof value === 'string' ? value : value.toString('utf8');
  }
  return result;
}
