import { BulkSql, dialectOf, type Dialect, type Em, type Orm } from '@tandem/core';

/**
 * Runs SQL with bound parameters (`?` placeholders, so no literal `?` in the text) on `em`'s
 * connection, inside its transaction if it has one — there on SQLite as a statement prepared once
 * per connection. The log's hot paths bypass `em.execute`, which inlines every value into the SQL
 * text: for batches of payloads that costs ~20 ms per 500 rows on PostgreSQL (pg's escapeLiteral
 * walks each character). Rows come back as the driver returns them (PostgreSQL bigints as strings).
 */
export function queryRows<T>(em: Em, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  return new BulkSql(em).query<T>(sql, params);
}

/**
 * PostgreSQL, for this transaction only: read the log by walking its index in position order. Right after a
 * burst of appends the statistics are stale, and PostgreSQL then picks a bitmap scan of every row
 * past the position plus a sort — per batch, which makes catching up on a backlog quadratic.
 */
export async function preferOrderedIndexScan(em: Em): Promise<void> {
  await queryRows(em, "select set_config('enable_bitmapscan', 'off', true)");
}

/** MikroORM stores datetimes as epoch milliseconds on SQLite and as timestamptz on PostgreSQL. */
export function timestamp(dialect: Dialect, at: Date): number | string {
  return dialect === 'sqlite' ? at.getTime() : at.toISOString();
}

export function dialectOfEm(em: Em): Dialect {
  // dialectOf only reads the configuration, which a fork shares with its ORM.
  return dialectOf({ config: em.config } as Orm);
}
