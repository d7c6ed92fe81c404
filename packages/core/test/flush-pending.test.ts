import { AsyncLocalStorage } from 'node:async_hooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PartyEntity, RowReader, type Em, type Orm, type PartyRow } from '@tandem/core';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';

describe.each(testDialects())('reads past the unit of work on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
  });
  afterAll(async () => close());

  const partyNames = async (em: Em) => (await new RowReader(em).select<PartyRow>(PartyEntity, '1 = 1', [], 'order by "id"')).map((party) => party.name);

  it('see what the EntityManager created or changed but has not flushed yet', async () => {
    const em = orm.em.fork() as Em;
    em.create(PartyEntity, { id: 'dealer-riga', kind: 'dealer', name: 'Auto Rīga', country: 'LV', timeZone: 'Europe/Riga', brands: [], businessHours: [], clients: [], createdAt: new Date() });
    expect(await partyNames(em)).toEqual(['Auto Rīga']);
    const party = await em.findOneOrFail(PartyEntity, { id: 'dealer-riga' });
    party.name = 'Auto Rīga SIA';
    expect(await partyNames(em)).toEqual(['Auto Rīga SIA']);
  });

  // A flush enters MikroORM's AsyncLocalStorage even with nothing to write; the first one turns on
  // promise hooks for the whole process. A read-only request must not pay for that.
  it('do not run a flush when the EntityManager holds nothing', async () => {
    const entered = vi.spyOn(AsyncLocalStorage.prototype, 'run');
    try {
      expect(await partyNames(orm.em.fork() as Em)).toEqual(['Auto Rīga SIA']);
      expect(entered).not.toHaveBeenCalled();
    } finally {
      entered.mockRestore();
    }
  });
});
