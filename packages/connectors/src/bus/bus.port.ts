/**
 * The bus port: the sync engine speaks only to this interface. Two adapters implement it —
 * the embedded log (tables in the hub's database, the default) and Kafka (kafkajs) — chosen by
 * configuration only (`KAFKA_BROKERS`).
 */

/** A message to append to a topic. `key` is the partition key: the golden customer id or the source key. */
export interface OutgoingMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: string | Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A message as consumed, with its position so dead letters can name their source. */
export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset, or the embedded log position, as a decimal string. */
  readonly offset: string;
  readonly key: string;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

/** Consecutive messages of one topic partition, in order. */
export interface MessageBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly ConsumedMessage[];
}

export interface SubscribeOptions {
  /** Consumer group: members of one group share partitions; each message is handled by one member. */
  readonly groupId: string;
  readonly topics: readonly string[] | RegExp;
  /**
   * Applies a batch. Offsets are committed only after it resolves, so a crash replays the batch
   * (at-least-once; handlers are idempotent through the inbox). A rejection is retried with backoff.
   */
  readonly handleBatch: (batch: MessageBatch) => Promise<void>;
  /**
   * Most batches of different partitions handed to `handleBatch` at once (default 1); a partition's
   * batches still come one after the other. A handler that applies concurrent batches together
   * takes more per transaction. The embedded log (one partition per topic) hands over one at a time.
   */
  readonly concurrentPartitions?: number;
  /** Start at the beginning of topics the group has no committed position for (default true). */
  readonly fromBeginning?: boolean;
}

export interface Subscription {
  /** Stops fetching, waits for the batch in flight to finish and commit, leaves the group. */
  stop(): Promise<void>;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
}

/** Topic creation is behind its own interface: Kafka admin in production, the test broker's control channel in tests. */
export interface TopicAdmin {
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
}

export interface Bus {
  readonly kind: 'embedded' | 'kafka';
  /** Appends durably (Kafka: idempotent producer, acks=all) before resolving. */
  publish(messages: readonly OutgoingMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** True when the bus can take and deliver messages now (readiness). */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}
