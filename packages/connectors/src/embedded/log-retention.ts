import type { Em, Orm } from '@tandem/core';
import { silentLogger, type BusLogger } from '../bus/bus-instrumentation.js';
import { relayedRowsCondition } from '../relay/outbox-relay.js';
import { dialectOfEm, queryRows, timestamp } from './log-sql.js';

export interface LogPruneOptions {
  /** Rows written before this instant may go (once read, or relayed). */
  readonly before: Date;
  /** Rows deleted per statement (default 5,000), so a long backlog never holds one huge transaction. */
  readonly chunkSize?: number;
}

const DEFAULT_CHUNK_SIZE = 5_000;

/**
 * Log retention: deletes the outbox rows nobody needs any more, older than `before`.
 * - Embedded log: a row every consumer group of its topic has committed past. A topic no group
 *   has read yet keeps everything (nothing accepted is dropped unread); a group that subscribes
 *   later starts at the oldest row kept, as with Kafka's retention.
 * - Kafka mode: a row the relay published (the broker holds it, under Kafka's own retention).
 * Never an unrelayed row, never one a group has yet to read. Returns the number of rows deleted.
 */
export async function pruneLog(em: Em, options: LogPruneOptions): Promise<number> {
  const chunk = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const before = timestamp(dialectOfEm(em), options.before);
  let deleted = 0;
  const consumed = await queryRows<{ topic: string; position: string | number }>(em, 'select "topic", min("position") as "position" from "consumer_offset" group by "topic"');
  for (const { topic, position } of consumed) {
    deleted += await deleteInChunks(em, chunk, 'where "topic" = ? and "position" <= ? and "created_at" < ?', [topic, Number(position), before]);
  }
  const relayed = relayedRowsCondition();
  deleted += await deleteInChunks(em, chunk, `where ${relayed.sql} and "created_at" < ?`, [...relayed.params, before]);
  return deleted;
}

async function deleteInChunks(em: Em, chunk: number, where: string, params: readonly unknown[]): Promise<number> {
  let deleted = 0;
  for (;;) {
    const rows = await queryRows<{ position: string | number }>(
      em,
      `delete from "outbox" where "position" in (select "position" from "outbox" ${where} order by "position" limit ${chunk}) returning "position"`,
      params,
    );
    deleted += rows.length;
    if (rows.length < chunk) return deleted;
  }
}

export interface LogRetentionOptions {
  readonly orm: Orm;
  /** Rows older than this many days may go (see `pruneLog`). */
  readonly retentionDays: number;
  /** Between prunes (default one hour); the first runs a minute after `start`. */
  readonly intervalMs?: number;
  readonly logger?: BusLogger;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const FIRST_RUN_DELAY_MS = 60_000;

/** Prunes the log on a timer in the worker (every worker may: deleting the same rows twice is harmless). */
export class LogRetention {
  readonly #options: LogRetentionOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(options: LogRetentionOptions) {
    this.#options = options;
  }

  start(): void {
    this.#schedule(FIRST_RUN_DELAY_MS);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#running = this.#prune().finally(() => {
        this.#running = undefined;
        if (this.#timer) this.#schedule(this.#options.intervalMs ?? HOUR_MS);
      });
    }, delayMs);
    this.#timer.unref();
  }

  async #prune(): Promise<void> {
    const logger = this.#options.logger ?? silentLogger;
    const before = new Date(Date.now() - this.#options.retentionDays * DAY_MS);
    try {
      const deleted = await pruneLog(this.#options.orm.em.fork() as Em, { before });
      if (deleted > 0) logger('info', 'pruned the log', { deleted, before: before.toISOString() });
    } catch (error) {
      logger('warn', 'pruning the log failed; it is tried again at the next interval', { error });
    }
  }
}
