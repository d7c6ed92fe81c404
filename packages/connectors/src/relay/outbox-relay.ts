import { topics as topicNames } from '@tandem/schema';
import { dialectOf, type Dialect, type Em, type Orm } from '@tandem/core';
import type { Bus, OutgoingMessage } from '../bus/bus.port.js';
import { Instrumentation, silentLogger, type BusLogger } from '../bus/bus-instrumentation.js';
import { backoffDelay, pause, type BackoffOptions } from '../bus/backoff.js';
import { dialectOfEm, preferOrderedIndexScan, queryRows, timestamp } from '../embedded/log-sql.js';

const OUTBOUND_PREFIX = 'tandem.out.';
/** Key of the PostgreSQL advisory lock held by the relay that is publishing (one at a time keeps position order). */
export const RELAY_LOCK_KEY = 0x5441_4e44_524c;
/**
 * Payload per send: Kafka refuses a partition's record batch over `message.max.bytes` (1 MiB by
 * default), and a send to a topic of one partition puts everything in one record batch.
 */
const MAX_PUBLISH_BYTES = 768 * 1024;
/** Reads in one round; on PostgreSQL its transaction (and the relay lock) is held that long. */
const READS_PER_ROUND = 32;
/** Rows of relayed topics, exactly (LIKE is case-insensitive on SQLite): the same test in the read and the mark. */
const RELAYED_TOPIC_SQL = `(substr("topic", 1, ${OUTBOUND_PREFIX.length}) = ? or "topic" = ?)`;
const RELAYED_TOPIC_PARAMS = [OUTBOUND_PREFIX, topicNames.deadLetters] as const;

/** The relay's row in `relay_cursor`. */
const RELAY = 'kafka';

/** Topics the relay publishes: outbound projections and dead letters. Inbound topics in `outbox` are the embedded log's. */
export function isRelayedTopic(topic: string): boolean {
  return topic.startsWith(OUTBOUND_PREFIX) || topic === topicNames.deadLetters;
}

/** The outbox rows the relay has published for good: of relayed topics, up to its cursor. As SQL over the outbox's columns, with its parameters. */
export function relayedRowsCondition(): { readonly sql: string; readonly params: readonly unknown[] } {
  return {
    sql: `"position" <= coalesce((select "position" from "relay_cursor" where "relay" = ?), 0) and ${RELAYED_TOPIC_SQL}`,
    params: [RELAY, ...RELAYED_TOPIC_PARAMS],
  };
}

/** Up to which position every relayed outbox row is published (0 before the first publish). */
export async function relayedUpTo(em: Em): Promise<number> {
  const [row] = await queryRows<{ position: number | string }>(em, 'select "position" from "relay_cursor" where "relay" = ?', [RELAY]);
  return row ? Number(row.position) : 0;
}

/** Records that every relayed row up to `position` is published; never moves the cursor back. */
export async function advanceRelayCursor(em: Em, position: number, at = new Date()): Promise<void> {
  await queryRows(
    em,
    `insert into "relay_cursor" ("relay", "position", "updated_at") values (?, ?, ?)
     on conflict ("relay") do update set "position" = excluded."position", "updated_at" = excluded."updated_at"
     where "relay_cursor"."position" < excluded."position"`,
    [RELAY, position, timestamp(dialectOfEm(em), at)],
  );
}

export interface OutboxRelayEvents {
  /** Rows `firstPosition..lastPosition` (only relayed topics) were published and marked. */
  'relay.published': { readonly count: number; readonly firstPosition: string; readonly lastPosition: string };
  /** Publishing or marking failed; the same rows are tried again after `retryInMs`. */
  'relay.failed': { readonly error: unknown; readonly attempt: number; readonly retryInMs: number };
}

export interface OutboxRelayOptions {
  readonly orm: Orm;
  /** Where the rows go: the Kafka bus (in embedded mode no relay runs; the table is the log). */
  readonly bus: Bus;
  /** Most rows read per batch (default 4000); they are sent in pieces of at most 768 KiB of payload. */
  readonly batchSize?: number;
  /** Wait between polls when nothing is pending (default 20 ms); a round that had more to read polls again at once. */
  readonly pollIntervalMs?: number;
  /** Backoff after a failure (default 100 ms doubling, capped at 5000 ms, jittered). */
  readonly retry?: BackoffOptions;
  readonly logger?: BusLogger;
}

/** Pending rows read in one go, in position order. */
interface PendingBatch {
  readonly rows: readonly PendingRow[];
  readonly firstPosition: number;
  readonly lastPosition: number;
}

interface PendingRow {
  readonly position: number | string;
  readonly topic: string;
  readonly key: string;
  readonly event_id: string;
  readonly payload: string;
}

/** A batch the broker acknowledged and the cursor moved past (durable once the round's transaction, if any, commits). */
interface SettledBatch {
  readonly count: number;
  readonly firstPosition: number;
  readonly lastPosition: number;
}

/**
 * Publishes outbox rows of relayed topics to the bus in position order, then moves its cursor
 * (`relay_cursor`) past them (at-least-once: a crash between publish and mark publishes the rows
 * again; consumers dedupe by the `event-id` header).
 *
 * Pipelined: while one batch is being published, the next is read from the database, and the
 * acknowledged batch is marked while the next one is in flight. Publishes themselves never
 * overlap: a batch is handed to the bus only after the previous one was acknowledged, because a
 * failed batch retried after a later one had gone through would reorder a key's events (kafkajs'
 * idempotent producer sends one request per broker at a time and does not re-sequence across
 * `send` calls). Positions are marked only after the broker acknowledged them.
 *
 * On PostgreSQL a round runs in one transaction holding a transaction-level advisory lock, so one
 * of several relay processes publishes at a time: no row is published by two relays concurrently
 * and position order (hence per-key order) holds across relays. Rows must be written with
 * `appendToLog`, whose append lock makes positions commit in order.
 */
export class OutboxRelay {
  readonly events = new Instrumentation<OutboxRelayEvents>();

  readonly #orm: Orm;
  readonly #bus: Bus;
  readonly #dialect: Dialect;
  readonly #batchSize: number;
  readonly #pollIntervalMs: number;
  readonly #retry: BackoffOptions;
  readonly #logger: BusLogger;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: OutboxRelayOptions) {
    this.#orm = options.orm;
    this.#bus = options.bus;
    this.#dialect = dialectOf(options.orm);
    this.#batchSize = options.batchSize ?? 4000;
    this.#pollIntervalMs = options.pollIntervalMs ?? 20;
    this.#retry = options.retry ?? {};
    this.#logger = options.logger ?? silentLogger;
  }

  /** Starts relaying in the background until `stop()`. */
  start(): void {
    if (this.#loop) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#loop = this.#run(abort.signal);
  }

  /** Stops after the round in flight has been published and marked. */
  async stop(): Promise<void> {
    this.#abort?.abort();
    await this.#loop;
    this.#loop = undefined;
    this.#abort = undefined;
  }

  /**
   * One round: publishes and marks pending rows batch after batch until none is left (or after
   * `READS_PER_ROUND` reads); returns how many rows it published (0 when nothing is pending or,
   * on PostgreSQL, when another relay is publishing). Rejects when publishing or marking fails.
   */
  async relayOnce(): Promise<number> {
    return (await this.#relayRound()).count;
  }

  async #relayRound(signal?: AbortSignal): Promise<{ count: number; more: boolean }> {
    const em = this.#orm.em.fork() as Em;
    if (this.#dialect === 'postgresql') {
      const settled: SettledBatch[] = [];
      const round = await em.transactional(async (tx) => {
        const [lock] = await queryRows<{ locked: boolean }>(tx, `select pg_try_advisory_xact_lock(${RELAY_LOCK_KEY}) as "locked"`);
        if (!lock?.locked) return undefined;
        await preferOrderedIndexScan(tx);
        // Not "skip locked": skipping a row that something else holds (an erasure rewriting its payload)
        // would publish later rows first. Waiting keeps position order; the advisory lock already keeps relays apart.
        return this.#round(tx, ' for update', (batch) => settled.push(batch), signal);
      });
      if (!round) return { count: 0, more: false };
      // Only after commit: the marks are durable.
      for (const batch of settled) this.#settled(batch);
      return round;
    }
    // SQLite: one process, and no transaction held open across the network call (it would block the only
    // connection); each mark commits on its own.
    return this.#round(em, '', (batch) => this.#settled(batch), signal);
  }

  /**
   * Reads batch after batch from the cursor: the read of the next batch and the mark of the last
   * acknowledged one overlap the publish in flight. `settled` is called in position order, for each
   * batch once it is acknowledged and marked. Appenders commit in position order (log append lock),
   * so no row can appear below the cursor later.
   */
  async #round(em: Em, lockClause: string, settled: (batch: SettledBatch) => void, signal?: AbortSignal): Promise<{ count: number; more: boolean }> {
    let readFrom = await relayedUpTo(em);
    let count = 0;
    let inFlight: { readonly batch: PendingBatch; readonly published: Promise<void> } | undefined;
    const mark = async (batch: PendingBatch): Promise<void> => {
      // The read took every relayed row from the cursor up to the batch's last one.
      await advanceRelayCursor(em, batch.lastPosition);
      count += batch.rows.length;
      settled({ count: batch.rows.length, firstPosition: batch.firstPosition, lastPosition: batch.lastPosition });
    };
    try {
      for (let reads = 0; reads < READS_PER_ROUND && !signal?.aborted; reads += 1) {
        const batch = await this.#read(em, readFrom, lockClause);
        const acknowledged = inFlight;
        inFlight = undefined;
        if (acknowledged) await acknowledged.published;
        if (batch) {
          readFrom = batch.lastPosition;
          inFlight = { batch, published: this.#publish(batch) };
        }
        if (acknowledged) await mark(acknowledged.batch);
        // Nothing new: done, unless a batch was in flight meanwhile (rows may have been appended since the read).
        if (!batch && !acknowledged) return { count, more: false };
      }
      const last = inFlight;
      inFlight = undefined;
      if (last) {
        await last.published;
        await mark(last.batch);
      }
      return { count, more: !signal?.aborted };
    } finally {
      // A read or mark failed with a publish in flight: let it finish (its rows stay unmarked and are published again).
      await inFlight?.published.catch(() => undefined);
    }
  }

  /** Hands the batch to the bus; the returned promise is awaited later, so its rejection is marked handled now. */
  #publish(batch: PendingBatch): Promise<void> {
    const published = this.#publishInOrder(batch.rows);
    published.catch(() => undefined);
    return published;
  }

  /** In sends of at most `MAX_PUBLISH_BYTES` of payload, one after the other (each acknowledged before the next). */
  async #publishInOrder(rows: readonly PendingRow[]): Promise<void> {
    let send: OutgoingMessage[] = [];
    let bytes = 0;
    for (const row of rows) {
      const size = Buffer.byteLength(row.payload);
      if (send.length > 0 && bytes + size > MAX_PUBLISH_BYTES) {
        await this.#bus.publish(send);
        send = [];
        bytes = 0;
      }
      send.push({ topic: row.topic, key: row.key, value: row.payload, headers: { 'event-id': row.event_id } });
      bytes += size;
    }
    await this.#bus.publish(send);
  }

  async #read(em: Em, after: number, lockClause: string): Promise<PendingBatch | undefined> {
    const rows = await queryRows<PendingRow>(
      em,
      `select "position", "topic", "key", "event_id", "payload" from "outbox"
       where "position" > ? and ${RELAYED_TOPIC_SQL}
       order by "position" limit ?${lockClause}`,
      [after, ...RELAYED_TOPIC_PARAMS, this.#batchSize],
    );
    if (rows.length === 0) return undefined;
    return { rows, firstPosition: Number(rows[0]!.position), lastPosition: Number(rows[rows.length - 1]!.position) };
  }

  #settled(batch: SettledBatch): void {
    this.events.emit('relay.published', { count: batch.count, firstPosition: String(batch.firstPosition), lastPosition: String(batch.lastPosition) });
  }

  async #run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      let waitMs = this.#pollIntervalMs;
      try {
        const round = await this.#relayRound(signal);
        failures = 0;
        if (round.more) waitMs = 0;
      } catch (error) {
        failures += 1;
        waitMs = backoffDelay(failures, this.#retry);
        this.events.emit('relay.failed', { error, attempt: failures, retryInMs: waitMs });
        this.#logger('error', 'outbox relay failed; retrying', { attempt: failures, retryInMs: waitMs, error });
      }
      if (waitMs > 0) await pause(waitMs, signal);
    }
  }
}
