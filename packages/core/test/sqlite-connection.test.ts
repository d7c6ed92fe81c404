import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openOrm, type Em, type Orm } from '@tandem/core';

/** The settings the hub relies on, as the connection reports them. */
async function settings(orm: Orm) {
  const connection = orm.em.getConnection();
  const read = async (pragma: string) => Object.values((await connection.execute<Record<string, unknown>[]>(`pragma ${pragma}`))[0]!)[0];
  return {
    journalMode: await read('journal_mode'),
    synchronous: await read('synchronous'),
    busyTimeout: await read('busy_timeout'),
    cacheSize: await read('cache_size'),
    mmapSize: await read('mmap_size'),
    foreignKeys: await read('foreign_keys'),
  };
}

const tuned = { journalMode: 'wal', synchronous: 1, busyTimeout: 5000, cacheSize: -65536, mmapSize: 1073741824, foreignKeys: 1 };

describe('the SQLite file connection', () => {
  let folder: string;
  let orm: Orm;

  beforeEach(async () => {
    folder = mkdtempSync(join(tmpdir(), 'tandem-sqlite-'));
    orm = await openOrm({ databaseUrl: `file:${join(folder, 'hub.db')}` });
  });

  afterEach(async () => {
    vi.useRealTimers();
    await orm.close(true);
    rmSync(folder, { recursive: true, force: true });
  });

  it('is tuned when opened', async () => {
    expect(await settings(orm)).toEqual(tuned);
  });

  // Regression: MikroORM's libsql dialect replaced a connection 10 s after opening it, and the
  // new one ran with SQLite's defaults (an fsync per commit, no busy timeout, a 2 MB cache).
  it('keeps its connection and its settings past ten seconds', async () => {
    const knex = (orm.em as Em).getKnex();
    const before = await knex.client.acquireConnection();
    await knex.client.releaseConnection(before);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 60_000);
    const after = await knex.client.acquireConnection();
    await knex.client.releaseConnection(after);
    expect(after).toBe(before);
    expect(await settings(orm)).toEqual(tuned);
  });

  // Regression: a transaction began deferred, so another process's commit between its first read
  // and its first write failed it (SQLITE_BUSY, which the busy timeout does not wait out).
  it('takes the write lock when a transaction begins, before its first write', async () => {
    const other = await openOrm({ databaseUrl: `file:${join(folder, 'hub.db')}` });
    try {
      // The other connection must not wait: this process would block on itself.
      await other.em.getConnection().execute('pragma busy_timeout = 0');
      let otherBegan: unknown;
      await (orm.em.fork() as Em).transactional(async (em) => {
        await em.getConnection().execute('select count(*) from sqlite_master', [], 'all', em.getTransactionContext());
        otherBegan = await other.em
          .getConnection()
          .execute('begin immediate')
          .then(async () => {
            await other.em.getConnection().execute('rollback');
            return 'began';
          })
          .catch((error: Error) => error.message);
      });
      expect(otherBegan).toMatch(/database is locked|SQLITE_BUSY/);
      // Once it committed, the lock is free again.
      await other.em.getConnection().execute('begin immediate');
      await other.em.getConnection().execute('rollback');
    } finally {
      await other.close(true);
    }
  });

  it('tunes a connection the pool opens afresh', async () => {
    const knex = (orm.em as Em).getKnex();
    const first = await knex.client.acquireConnection();
    await knex.client.releaseConnection(first);
    // A connection closed under the pool (the dialect's validity check) is replaced by a new one.
    first.close();
    const second = await knex.client.acquireConnection();
    await knex.client.releaseConnection(second);
    expect(second).not.toBe(first);
    expect(await settings(orm)).toEqual(tuned);
  });
});
