import { topics as topicNames } from '@tandem/schema';
import { dialectOf, type Dialect, type Em, type Orm } from '@tandem/core';
import type { Bus, OutgoingMessage } from '../bus/bus.port.js';
import { Instrumentation, silentLogger, type BusLogger } from '../bus/bus-instrumentation.js';
import { backoffDelay, pause, type BackoffOptions } from '../bus/backoff.js';
import { preferOrderedIndexScan, queryRows } from '../embedded/log-sql.js';

const OUTBOUND_PREFIX = 'tandem.out.';
/** Key of the PostgreSQL advisory lock held by the relay that is publishing (one at a time keeps position order). */
export const RELAY_LOCK_KEY = 0x5441_4e44_524c;

/** Topics the relay publishes: outbound projections and dead letters. Inbound topics in `outbox` are the embedded log's. */
export function isRelayedTopic(topic: string): boolean {
  return topic.startsWith(OUTBOUND_PREFIX) || topic === topicNames.deadLetters;
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
  /** Rows per publish (default 500). */
  readonly batchSize?: number;
  /** Wait between polls when nothing is pending (default 50 ms); a full batch polls again at once. */
  readonly pollIntervalMs?: number;
  /** Backoff after a failure (default 100 ms doubling, capped at 5000 ms, jittered). */
  readonly retry?: BackoffOptions;
  readonly logger?: BusLogger;
}

interface RelayedBatch {
  readonly count: number;
  readonly firstPosition: string;
  /** Last row looked at (relayed or not): the next poll starts after it. */
  readonly lastPosition: number;
}

interface PendingRow {
  readonly position: number | string;
  readonly topic: string;
  readonly key: string;
  readonly event_id: string;
  readonly payload: string;
}

/**
 * Publishes outbox rows of relayed topics to the bus in position order, then sets `published_at`
 * (at-least-once: a crash between publish and mark publishes the rows again; consumers dedupe by
 * the `event-id` header). On PostgreSQL, a transaction-level advisory lock lets one of several
 * relay processes publish at a time, so no row is published by two relays concurrently and
 * position order (hence per-key order) holds across relays. Rows must be written with
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
  /**
   * Everything relayed up to here is published. Appenders commit in position order (log append
   * lock), so a lower position can no longer appear; rows of other topics below it are not rescanned.
   */
  #cursor = 0;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: OutboxRelayOptions) {
    this.#orm = options.orm;
    this.#bus = options.bus;
    this.#dialect = dialectOf(options.orm);
    this.#batchSize = options.batchSize ?? 500;
    this.#pollIntervalMs = options.pollIntervalMs ?? 50;
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

  /** Stops after the batch in flight has been published and marked. */
  async stop(): Promise<void> {
    this.#abort?.abort();
    await this.#loop;
    this.#loop = undefined;
    this.#abort = undefined;
  }

  /**
   * Publishes and marks at most one batch; returns how many rows it published (0 when nothing is
   * pending or, on PostgreSQL, when another relay is publishing). Rejects when publishing fails.
   */
  async relayOnce(): Promise<number> {
    const em = this.#orm.em.fork() as Em;
    let batch: RelayedBatch | undefined;
    if (this.#dialect === 'postgresql') {
      batch = await em.transactional(async (tx) => {
        const [lock] = await queryRows<{ locked: boolean }>(tx, `select pg_try_advisory_xact_lock(${RELAY_LOCK_KEY}) as "locked"`);
        if (!lock?.locked) return undefined;
        await preferOrderedIndexScan(tx);
        // Not "skip locked": skipping a row that something else holds (an erasure rewriting its payload)
        // would publish later rows first. Waiting keeps position order; the advisory lock already keeps relays apart.
        return this.#relay(tx, ' for update');
      });
    } else {
      // SQLite: one process, and no transaction held open across the network call (it would block the only connection).
      batch = await this.#relay(em, '');
    }
    if (!batch) return 0;
    // Only after commit: the marks are durable, so the cursor may pass these rows.
    this.#cursor = batch.lastPosition;
    if (batch.count > 0) {
      this.events.emit('relay.published', { count: batch.count, firstPosition: batch.firstPosition, lastPosition: String(batch.lastPosition) });
    }
    return batch.count;
  }

  async #relay(em: Em, lockClause: string): Promise<RelayedBatch | undefined> {
    const rows = await queryRows<PendingRow>(
      em,
      `select "position", "topic", "key", "event_id", "payload" from "outbox"
       where "published_at" is null and "position" > ? and ("topic" like ? or "topic" = ?)
       order by "position" limit ?${lockClause}`,
      [this.#cursor, `${OUTBOUND_PREFIX}%`, topicNames.deadLetters, this.#batchSize],
    );
    if (rows.length === 0) return undefined;
    // LIKE is case-insensitive on SQLite; the prefix test here is exact.
    const relayed = rows.filter((row) => isRelayedTopic(row.topic));
    const lastPosition = Number(rows[rows.length - 1]!.position);
    if (relayed.length === 0) return { count: 0, firstPosition: '', lastPosition };
    await this.#bus.publish(
      relayed.map((row): OutgoingMessage => ({ topic: row.topic, key: row.key, value: row.payload, headers: { 'event-id': row.event_id } })),
    );
    const positions = relayed.map((row) => Number(row.position));
    await queryRows(em, `update "outbox" set "published_at" = ? where "position" in (${positions.map(() => '?').join(', ')})`, [
      this.#dialect === 'sqlite' ? Date.now() : new Date().toISOString(),
      ...positions,
    ]);
    return { count: relayed.length, firstPosition: String(relayed[0]!.position), lastPosition };
  }

  async #run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      let waitMs = this.#pollIntervalMs;
      try {
        const count = await this.relayOnce();
        failures = 0;
        if (count >= this.#batchSize) waitMs = 0; // more may be pending
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
