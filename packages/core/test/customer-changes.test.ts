import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceCustomerChanges, customerChangesChannel, CustomerChangeFeed, openOrm, type FeedEnd, type Orm } from '@tandem/core';
import { openTestOrm, testDialects, type TestDatabase } from '../../../tests/support/database.js';

/** A subscriber that collects what it hears; `heard(n)` resolves once n ids arrived. */
function listener() {
  const ids: string[] = [];
  const ends: FeedEnd[] = [];
  let waiting: { count: number; resolve: () => void } | undefined;
  return {
    ids,
    ends,
    subscriber: {
      changed: (batch: readonly string[]) => {
        ids.push(...batch);
        if (waiting && ids.length >= waiting.count) waiting.resolve();
      },
      ended: (end: FeedEnd) => ends.push(end),
    },
    heard: (count: number) =>
      ids.length >= count ? Promise.resolve() : new Promise<void>((resolve) => {
        waiting = { count, resolve };
      }),
  };
}

describe.each(testDialects())('customer change feed on %s', (dialect) => {
  let orm: Orm;
  let database: TestDatabase;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ orm, database, close } = await openTestOrm(dialect));
  });
  afterAll(async () => {
    await close();
  });

  it('tells every subscriber every announced customer once, in order, also more than one notification holds', async () => {
    const feed = new CustomerChangeFeed(orm);
    const first = listener();
    const second = listener();
    await feed.subscribe(first.subscriber);
    await feed.subscribe(second.subscriber);
    const ids = Array.from({ length: 450 }, () => randomUUID());
    await announceCustomerChanges(orm, [...ids, ids[0]!]);
    await Promise.all([first.heard(450), second.heard(450)]);
    expect(first.ids).toEqual(ids);
    expect(second.ids).toEqual(ids);
    await feed.close();
    expect(first.ends).toEqual([{ reason: 'closed' }]);
    await expect(feed.subscribe(listener().subscriber)).rejects.toThrow(/closed/);
  });

  it('stops telling a subscriber that left, and the others carry on', async () => {
    const feed = new CustomerChangeFeed(orm);
    const leaving = listener();
    const staying = listener();
    const leave = await feed.subscribe(leaving.subscriber);
    await feed.subscribe(staying.subscriber);
    leave();
    const id = randomUUID();
    await announceCustomerChanges(orm, [id]);
    await staying.heard(1);
    expect(staying.ids).toEqual([id]);
    expect(leaving.ids).toEqual([]);
    await feed.close();
    expect(leaving.ends).toEqual([]);
  });

  it.runIf(dialect === 'postgresql')('holds one LISTEN connection while anyone listens, hears other processes, and releases it when the last leaves', async () => {
    const listens = async () =>
      Number((await orm.em.getConnection().execute(`select count(*) as "n" from pg_stat_activity where datname = current_database() and query = 'listen ${customerChangesChannel}'`))[0].n);
    const feed = new CustomerChangeFeed(orm);
    const one = listener();
    const two = listener();
    const leaveOne = await feed.subscribe(one.subscriber);
    const leaveTwo = await feed.subscribe(two.subscriber);
    expect(await listens()).toBe(1);
    const other = await openOrm({ databaseUrl: database.url, poolSize: 1 });
    try {
      const id = randomUUID();
      await announceCustomerChanges(other, [id]);
      await one.heard(1);
      expect(one.ids).toEqual([id]);
    } finally {
      await other.close(true);
    }
    leaveOne();
    expect(await listens()).toBe(1);
    leaveTwo();
    await expect.poll(listens).toBe(0);
    await feed.close();
  });
});
