import { v7 as uuidv7, validate as isUuid } from 'uuid';
import { BulkSql, dialectOf, type Dialect, type Em, type Orm } from '@tandem/core';
import type {
  ConsumedMessage,
  OutgoingMessage,
  SubscribeOptions,
  Subscription,
  TopicSpec,
} from '../bus/bus.port.js';
import {
  Instrumentation,
  silentLogger,
  type BusEvents,
  type BusLogger,
  type InstrumentedBus,
} from '../bus/bus-instrumentation.js';
import { backoffDelay, pause, type BackoffOptions } from '../bus/backoff.js';
import { dialectOfEm, preferOrderedIndexScan, queryRows, timestamp } from './log-sql.js';

export interface EmbeddedLogBusOptions {
  readonly orm: Orm;
  /** Most messages handed to one `handleBatch` call (default 500). */
  readonly batchSize?: number;
  /** Wait between polls when nothing new was found (default 25 ms); a full batch polls again at once. */
  readonly pollIntervalMs?: number;
  /** How often a RegExp subscription looks for new topics in the log (default 500 ms). */
  readonly topicRefreshMs?: number;
  /** Backoff between retries of a rejected batch or a failed poll (default 100 ms doubling, capped at 5000 ms, jittered). */
  readonly retry?: BackoffOptions;
  readonly logger?: BusLogger;
}

/** The embedded log has one partition per topic. */
const PARTITION = 0;
const DEFAULT_BATCH_SIZE = 500;
const DEFAULT_POLL_INTERVAL_MS = 25;
const DEFAULT_TOPIC_REFRESH_MS = 500;
/** Key of the PostgreSQL advisory lock taken by every transaction that appends to the log. */
export const LOG_APPEND_LOCK_KEY = 0x5441_4e44_4c47;

/** The columns an append writes; `position` is assigned by the database. */
const OUTBOX_COLUMNS = ['topic', 'key', 'event_id', 'payload', 'created_at'] as const;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/**
 * Appends messages to the log within the caller's transaction, so outbound messages are written
 * atomically with the state change that caused them (transactional outbox). Call it last in the
 * transaction: on PostgreSQL it holds the log's append lock until commit. Outside a transaction
 * it opens one. The event id is the `event-id` header (which must then be a UUID) or a new UUID v7;
 * other headers are not stored (the table has no column for them). Values must be UTF-8.
 */
export async function appendToLog(em: Em, messages: readonly OutgoingMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const dialect = dialectOfEm(em);
  if (!em.isInTransaction()) {
    await em.transactional((tx) => appendRows(tx, dialect, messages));
    return;
  }
  await appendRows(em, dialect, messages);
}

async function appendRows(em: Em, dialect: Dialect, messages: readonly OutgoingMessage[]): Promise<void> {
  const rows = messages.map(toLogRow);
  if (dialect === 'postgresql') {
    // Positions are allocated at insert but may commit out of order; serialising appenders until commit stops readers skipping a late-committing lower position.
    await queryRows(em, `select pg_advisory_xact_lock(${LOG_APPEND_LOCK_KEY})`);
  }
  const createdAt = timestamp(dialect, new Date());
  await new BulkSql(em).insertValues(
    'outbox',
    OUTBOX_COLUMNS,
    rows.map((row) => [row.topic, row.key, row.eventId, row.payload, createdAt]),
  );
}

interface LogRow {
  readonly topic: string;
  readonly key: string;
  readonly eventId: string;
  readonly payload: string;
}

function toLogRow(message: OutgoingMessage): LogRow {
  const header = message.headers?.['event-id'];
  if (header !== undefined && !isUuid(header)) {
    throw new TypeError(`event-id header must be a UUID, got ${JSON.stringify(header)} (topic ${message.topic})`);
  }
  let payload: string;
  if (typeof message.value === 'string') {
    payload = message.value;
  } else {
    try {
      payload = utf8.decode(message.value);
    } catch (cause) {
      throw new TypeError(`the embedded log stores text: message value on ${message.topic} is not valid UTF-8`, { cause });
    }
  }
  return { topic: message.topic, key: message.key, eventId: header ?? uuidv7(), payload };
}

/** Claims of (group, topic) by subscriptions in this process, per ORM: on SQLite the only guard against double delivery. */
const localClaims = new WeakMap<Orm, Set<string>>();

/**
 * The bus over the hub's own database: `outbox` is the log (one partition per topic, offsets are
 * positions), `consumer_offset` holds each group's committed position. Several processes on one
 * PostgreSQL database share a group's topics through row locks; on SQLite, one process.
 */
export class EmbeddedLogBus implements InstrumentedBus {
  readonly kind = 'embedded' as const;
  readonly events = new Instrumentation<BusEvents>();

  readonly #orm: Orm;
  readonly #dialect: Dialect;
  readonly #settings: SubscriptionSettings;
  readonly #subscriptions = new Set<EmbeddedSubscription>();
  #closed = false;

  constructor(options: EmbeddedLogBusOptions) {
    this.#orm = options.orm;
    this.#dialect = dialectOf(options.orm);
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    let claims = localClaims.get(options.orm);
    if (!claims) {
      claims = new Set();
      localClaims.set(options.orm, claims);
    }
    this.#settings = {
      orm: options.orm,
      dialect: this.#dialect,
      batchSize,
      pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      topicRefreshMs: options.topicRefreshMs ?? DEFAULT_TOPIC_REFRESH_MS,
      retry: options.retry ?? {},
      logger: options.logger ?? silentLogger,
      events: this.events,
      claims,
    };
  }

  /** Appends all messages in one transaction, in multi-row inserts. */
  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    this.#assertOpen();
    if (messages.length === 0) return;
    const em = this.#orm.em.fork() as Em;
    await em.transactional((tx) => appendRows(tx, this.#dialect, messages));
  }

  /**
   * Starts polling for the group. Resolves once the start position is fixed: with
   * `fromBeginning: false`, a group without a committed position gets what is appended from now on.
   */
  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.#assertOpen();
    const fromBeginning = options.fromBeginning ?? true;
    const startPosition = fromBeginning ? 0 : await this.#head();
    const subscription = new EmbeddedSubscription(this.#settings, options, startPosition, () => {
      this.#subscriptions.delete(subscription);
    });
    this.#subscriptions.add(subscription);
    subscription.start();
    return subscription;
  }

  /** Topics exist implicitly in the log. */
  async ensureTopics(_topics: readonly TopicSpec[]): Promise<void> {
    this.#assertOpen();
  }

  async isReady(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      await (this.#orm.em.fork() as Em).execute('select 1');
      return true;
    } catch {
      return false;
    }
  }

  /** Stops every subscription (finishing batches in flight). The ORM belongs to the caller and stays open. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.stop()));
  }

  async #head(): Promise<number> {
    const rows = await queryRows<{ head: number | string | null }>(this.#orm.em.fork() as Em, 'select max("position") as "head" from "outbox"');
    return Number(rows[0]?.head ?? 0);
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('EmbeddedLogBus is closed');
  }
}

interface SubscriptionSettings {
  readonly orm: Orm;
  readonly dialect: Dialect;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly topicRefreshMs: number;
  readonly retry: BackoffOptions;
  readonly logger: BusLogger;
  readonly events: Instrumentation<BusEvents>;
  readonly claims: Set<string>;
}

/** What one attempt at a topic came to. */
type Outcome = 'empty' | 'partial' | 'full' | 'failed' | 'busy';

interface Delivery {
  readonly outcome: Outcome;
  /** Set when a batch was handled and its position written (visible once the surrounding transaction commits). */
  readonly committed?: { readonly count: number; readonly last: number };
}

interface OutboxRow {
  readonly position: number | string;
  readonly key: string;
  readonly event_id: string;
  readonly payload: string;
}

class EmbeddedSubscription implements Subscription {
  readonly #settings: SubscriptionSettings;
  readonly #options: SubscribeOptions;
  readonly #startPosition: number;
  readonly #onStopped: () => void;
  readonly #abort = new AbortController();
  /** Last committed position seen per topic; a topic whose head is not beyond it is not claimed. */
  readonly #committed = new Map<string, number>();
  /** Topics whose consumer_offset row is known to exist. */
  readonly #offsetRows = new Set<string>();
  readonly #retries = new Map<string, { attempt: number; notBefore: number }>();
  #topics: readonly string[] = [];
  #topicsReadAt = Number.NEGATIVE_INFINITY;
  #pollFailures = 0;
  #loop: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(settings: SubscriptionSettings, options: SubscribeOptions, startPosition: number, onStopped: () => void) {
    this.#settings = settings;
    this.#options = options;
    this.#startPosition = startPosition;
    this.#onStopped = onStopped;
    if (Array.isArray(options.topics)) this.#topics = [...new Set(options.topics)];
  }

  start(): void {
    this.#settings.events.emit('group.join', {
      groupId: this.#options.groupId,
      assignment: Object.fromEntries(this.#topics.map((topic) => [topic, [PARTITION]])),
    });
    this.#loop = this.#run();
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#abort.abort();
      await this.#loop;
      this.#onStopped();
    })();
    return this.#stopping;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      let again = false;
      let waitMs = this.#settings.pollIntervalMs;
      try {
        const topics = await this.#currentTopics();
        const heads = await this.#heads(topics);
        for (const topic of topics) {
          if (signal.aborted) break;
          const head = heads.get(topic) ?? 0;
          if (head <= (this.#committed.get(topic) ?? -1)) continue;
          const retry = this.#retries.get(topic);
          const now = Date.now();
          if (retry && retry.notBefore > now) {
            waitMs = Math.min(waitMs, retry.notBefore - now);
            continue;
          }
          const outcome = await this.#attempt(topic);
          if (outcome === 'full') again = true;
        }
        this.#pollFailures = 0;
      } catch (error) {
        this.#pollFailures += 1;
        waitMs = backoffDelay(this.#pollFailures, this.#settings.retry);
        this.#settings.events.emit('consumer.failed', { groupId: this.#options.groupId, error, restart: true });
        this.#settings.logger('error', 'embedded log poll failed; retrying', {
          groupId: this.#options.groupId,
          attempt: this.#pollFailures,
          retryInMs: waitMs,
          error,
        });
      }
      if (!again) await pause(waitMs, signal);
    }
  }

  /** The subscribed topics; for a RegExp, the matching topics present in the log (re-read every `topicRefreshMs`). */
  async #currentTopics(): Promise<readonly string[]> {
    const pattern = this.#options.topics;
    if (Array.isArray(pattern)) return this.#topics;
    if (Date.now() - this.#topicsReadAt < this.#settings.topicRefreshMs) return this.#topics;
    // A loose index scan over outbox_topic_position_idx: one index seek per distinct topic.
    const rows = await queryRows<{ topic: string | null }>(
      this.#em(),
      `with recursive "t" ("topic") as (
         select min("topic") from "outbox"
         union all
         select (select min("topic") from "outbox" where "topic" > "t"."topic") from "t" where "t"."topic" is not null
       ) select "topic" from "t" where "topic" is not null`,
    );
    const regexp = pattern as RegExp;
    this.#topics = rows.map((row) => row.topic as string).filter((topic) => {
      regexp.lastIndex = 0;
      return regexp.test(topic);
    });
    this.#topicsReadAt = Date.now();
    return this.#topics;
  }

  /** Highest position per topic, one index seek each, in one round trip. */
  async #heads(topics: readonly string[]): Promise<Map<string, number>> {
    const heads = new Map<string, number>();
    if (topics.length === 0) return heads;
    const columns = topics.map(
      (_, index) => `(select "position" from "outbox" where "topic" = ? order by "position" desc limit 1) as "h${index}"`,
    );
    const rows = await queryRows<Record<string, number | string | null>>(this.#em(), `select ${columns.join(', ')}`, topics);
    const row = rows[0] ?? {};
    topics.forEach((topic, index) => {
      const head = row[`h${index}`];
      if (head !== null && head !== undefined) heads.set(topic, Number(head));
    });
    return heads;
  }

  async #attempt(topic: string): Promise<Outcome> {
    const { groupId } = this.#options;
    const claimKey = `${groupId}\u0000${topic}`;
    const claims = this.#settings.claims;
    if (claims.has(claimKey)) return 'busy';
    claims.add(claimKey);
    try {
      await this.#ensureOffsetRow(topic);
      let delivery: Delivery;
      if (this.#settings.dialect === 'postgresql') {
        // The row lock is the claim: one member handles a topic at a time, others skip it and take other topics.
        delivery = await this.#em().transactional(async (tx): Promise<Delivery> => {
          const locked = await queryRows<{ position: number | string }>(
            tx,
            'select "position" from "consumer_offset" where "group_id" = ? and "topic" = ? for update skip locked',
            [groupId, topic],
          );
          if (locked.length === 0) return { outcome: 'busy' };
          await preferOrderedIndexScan(tx);
          return this.#deliver(tx, topic, Number(locked[0]!.position));
        });
      } else {
        const em = this.#em();
        const rows = await queryRows<{ position: number | string }>(
          em,
          'select "position" from "consumer_offset" where "group_id" = ? and "topic" = ?',
          [groupId, topic],
        );
        delivery = await this.#deliver(em, topic, Number(rows[0]?.position ?? this.#startPosition));
      }
      if (delivery.committed) {
        const { count, last } = delivery.committed;
        this.#committed.set(topic, last);
        this.#settings.events.emit('batch.committed', { groupId, topic, partition: PARTITION, count, lastOffset: String(last) });
      }
      return delivery.outcome;
    } finally {
      claims.delete(claimKey);
    }
  }

  async #ensureOffsetRow(topic: string): Promise<void> {
    if (this.#offsetRows.has(topic)) return;
    // Its own short statement, not in the claim transaction: a concurrent first insert must not block a claim.
    await queryRows(
      this.#em(),
      'insert into "consumer_offset" ("group_id", "topic", "position", "updated_at") values (?, ?, ?, ?) on conflict do nothing',
      [this.#options.groupId, topic, this.#startPosition, timestamp(this.#settings.dialect, new Date())],
    );
    this.#offsetRows.add(topic);
  }

  /** Reads the next batch after `committed`, hands it over and, once it resolved, commits its last position. */
  async #deliver(em: Em, topic: string, committed: number): Promise<Delivery> {
    const { groupId } = this.#options;
    const { batchSize, dialect, events } = this.#settings;
    this.#committed.set(topic, committed);
    const rows = await queryRows<OutboxRow>(
      em,
      'select "position", "key", "event_id", "payload" from "outbox" where "topic" = ? and "position" > ? order by "position" limit ?',
      [topic, committed, batchSize],
    );
    if (rows.length === 0) return { outcome: 'empty' };
    const messages = rows.map((row): ConsumedMessage => ({
      topic,
      partition: PARTITION,
      offset: String(row.position),
      key: row.key,
      value: encoder.encode(row.payload),
      headers: { 'event-id': row.event_id },
    }));
    try {
      await this.#options.handleBatch({ topic, partition: PARTITION, messages });
    } catch (error) {
      const attempt = (this.#retries.get(topic)?.attempt ?? 0) + 1;
      const retryInMs = backoffDelay(attempt, this.#settings.retry);
      this.#retries.set(topic, { attempt, notBefore: Date.now() + retryInMs });
      events.emit('batch.failed', { groupId, topic, partition: PARTITION, attempt, error });
      this.#settings.logger('warn', 'handleBatch rejected; the batch will be retried', {
        groupId,
        topic,
        firstOffset: messages[0]!.offset,
        attempt,
        retryInMs,
        error,
      });
      return { outcome: 'failed' };
    }
    this.#retries.delete(topic);
    const last = Number(rows[rows.length - 1]!.position);
    await queryRows(em, 'update "consumer_offset" set "position" = ?, "updated_at" = ? where "group_id" = ? and "topic" = ?', [
      last,
      timestamp(dialect, new Date()),
      groupId,
      topic,
    ]);
    return { outcome: rows.length === batchSize ? 'full' : 'partial', committed: { count: rows.length, last } };
  }

  #em(): Em {
    return this.#settings.orm.em.fork() as Em;
  }
}
