import type { Em } from '@tandem/core';

/**
 * Runs SQL with bound parameters on `em`'s connection, inside its transaction if it has one.
 * The log's hot paths bypass `em.execute`, which inlines every value into the SQL text: for
 * batches of payloads that costs ~20 ms per 500 rows on PostgreSQL (pg's escapeLiteral walks
 * each character). Rows come back as the driver returns them (PostgreSQL bigints as strings).
 */
export async function queryRows<T>(em: Em, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  const query = em.getKnex().raw(sql, params as never);
  const transaction = em.getTransactionContext<Parameters<typeof query.transacting>[0]>();
  if (transaction) query.transacting(transaction);
  const result: unknown = await query;
  if (Array.isArray(result)) return result as T[];
  return (result as { rows?: T[] }).rows ?? [];
}

/**
 * PostgreSQL, for this transaction only: read the log by walking its index in position order. Right after a
 * burst of appends the statistics are stale, and PostgreSQL then picks a bitmap scan of every row
 * past the position plus a sort — per batch, which makes catching up on a backlog quadratic.
 */
export async function preferOrderedIndexScan(em: Em): Promise<void> {
  await queryRows(em, "select set_config('enable_bitmapscan', 'off', true)");
}
