import {
  CheckConstraintViolationException,
  DeadlockException,
  DriverException,
  ForeignKeyConstraintViolationException,
  LockWaitTimeoutException,
  NotNullConstraintViolationException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { TandemError } from '@tandem/schema';
import type { Em, Orm } from '../database/orm.js';
import { BulkSql, quote } from '../database/bulk-sql.js';
import { InboxEntryEntity, type InboxEntryRow } from './inbox.entity.js';

/** The event ids among `eventIds` that `consumer` has already applied (one query per 900 ids, nothing hydrated). */
export async function processedEventIds(em: Em, consumer: string, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  await em.flush();
  const sql = new BulkSql(em);
  const spec = sql.table<InboxEntryRow>(InboxEntryEntity);
  const rows = await sql.selectIn<{ event_id: string }>(
    eventIds,
    (list) => `select "event_id" from ${quote(spec.table)} where "consumer" = ? and "event_id" in (${list})`,
    [consumer],
  );
  return new Set(rows.map((row) => row.event_id));
}

/**
 * Records that `consumer` applied `eventIds`, written at once in multi-row inserts within the
 * caller's transaction (the same one as the state change they guard): a concurrent duplicate
 * fails on the primary key and rolls the transaction back.
 */
export async function markProcessedBatch(em: Em, consumer: string, eventIds: readonly string[], at: Date): Promise<void> {
  const sql = new BulkSql(em);
  await sql.insert(
    sql.table<InboxEntryRow>(InboxEntryEntity),
    eventIds.map((eventId) => ({ consumer, eventId, processedAt: at })),
  );
}

/**
 * Records that `consumer` applied `eventId`. Must be flushed in the same transaction as the
 * state change it guards; a concurrent duplicate then fails on the primary key and rolls back.
 */
export function markProcessed(em: Em, consumer: string, eventId: string, at: Date): void {
  em.create(InboxEntryEntity, { consumer, eventId, processedAt: at });
}

export interface ConsumerTransactionOptions {
  /**
   * Attempts when the transaction loses a race with a concurrent one (unique key, foreign key,
   * deadlock, lock timeout); default 3. Each attempt runs on a fresh fork.
   */
  readonly attempts?: number;
}

/**
 * Runs `work` in one transaction on a fresh EntityManager fork and commits. Driver errors never
 * escape: races are retried and then reported as a retriable CONFLICT; a row the database
 * refuses (not null, check, data exception) is a non-retriable BAD_INPUT; anything else from the
 * driver is a retriable UNAVAILABLE. Other errors (domain errors included) pass through unchanged.
 */
export async function runConsumerTransaction<T>(orm: Orm, work: (em: Em) => Promise<T>, options: ConsumerTransactionOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 3);
  for (let attempt = 1; ; attempt += 1) {
    try {
      const em = orm.em.fork() as Em;
      return await em.transactional((tx) => work(tx as Em));
    } catch (error) {
      if (isRace(error) && attempt < attempts) continue;
      throw domainErrorOfDriver(error) ?? error;
    }
  }
}

function isRace(error: unknown): boolean {
  return (
    error instanceof UniqueConstraintViolationException ||
    error instanceof ForeignKeyConstraintViolationException ||
    error instanceof DeadlockException ||
    error instanceof LockWaitTimeoutException
  );
}

/** The domain error for a driver error, or undefined when `error` does not come from the driver. */
export function domainErrorOfDriver(error: unknown): TandemError | undefined {
  if (!(error instanceof DriverException)) return undefined;
  if (isRace(error)) {
    return new TandemError('CONFLICT', 'CONCURRENT_UPDATE', 'A concurrent transaction changed the same records; the change can be retried', {
      retriable: true,
      cause: error,
    });
  }
  // SQLSTATE class 22 is "data exception" (value too long, invalid text representation…).
  if (error instanceof NotNullConstraintViolationException || error instanceof CheckConstraintViolationException || error.sqlState?.startsWith('22')) {
    return new TandemError('BAD_INPUT', 'REJECTED_BY_DATABASE', `The database refused the change (${error.name})`, { retriable: false, cause: error });
  }
  return new TandemError('UNAVAILABLE', 'DATABASE_UNAVAILABLE', 'The database is not available', { retriable: true, cause: error });
}
