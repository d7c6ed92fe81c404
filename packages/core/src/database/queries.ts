import type { Em } from './orm.js';

type Results<T extends readonly (() => Promise<unknown>)[]> = { -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> };

/**
 * Runs independent reads in parallel on the pool, or one after another inside a transaction:
 * a transaction holds a single connection, which must not run two queries at once.
 */
export async function runQueries<const T extends readonly (() => Promise<unknown>)[]>(em: Em, queries: T): Promise<Results<T>> {
  if (!em.isInTransaction()) return (await Promise.all(queries.map((query) => query()))) as Results<T>;
  const results: unknown[] = [];
  for (const query of queries) results.push(await query());
  return results as Results<T>;
}
