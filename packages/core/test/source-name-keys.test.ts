import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessScope, openOrm, searchCustomers, SourceRecordEntity, upsertParty, type Em, type Orm } from '@tandem/core';
import { createTestDatabase, testDialects, type TestDatabase } from '../../../tests/support/database.js';

const before = 'Migration20261123060000_controller_keys';

describe.each(testDialects())('source record name keys migration on %s', (dialect) => {
  let database: TestDatabase;
  let orm: Orm;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    orm = await openOrm({ databaseUrl: database.url, poolSize: 2 });
    await orm.getMigrator().up({ to: before });
    const em = orm.em.fork() as Em;
    await upsertParty(em, { id: 'dealer-aarhus', kind: 'dealer', name: 'Århus Bilcenter', country: 'DK', timeZone: 'Europe/Copenhagen' });
    const connection = em.getConnection();
    const now = dialect === 'sqlite' ? Date.now() : new Date().toISOString();
    // Written by the schema before the migration: more records than one page of the fill, a person and a company.
    const customers = Array.from({ length: 5_200 }, (_, index) => ({ id: `00000000-0000-7000-8000-${String(index).padStart(12, '0')}`, index }));
    for (let start = 0; start < customers.length; start += 400) {
      const chunk = customers.slice(start, start + 400);
      await connection.execute(
        `insert into customer (id, kind, name_key, provenance, created_at, updated_at) values ${chunk.map(() => `(?, 'person', 'x', '{}', ?, ?)`).join(', ')}`,
        chunk.flatMap(({ id }) => [id, now, now]),
      );
      await connection.execute(
        `insert into source_record (party, external_id, customer_id, linked_at, identity) values ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
        chunk.flatMap(({ id, index }) => {
          const identity = index === 0 ? { kind: 'company', companyName: 'Ærø Transport ApS', at: '2026-01-01T00:00:00Z' } : { kind: 'person', givenName: 'Søren', familyName: `Sørensen ${index}`, at: '2026-01-01T00:00:00Z' };
          return ['dealer-aarhus', `A-${String(index).padStart(5, '0')}`, id, now, JSON.stringify(identity)];
        }),
      );
    }
    await orm.getMigrator().up();
  }, 120_000);
  afterAll(async () => {
    await orm.close(true);
    await database.drop();
  });

  it("fills every record's name key from its identity statement", async () => {
    const em = orm.em.fork() as Em;
    expect(await em.findOneOrFail(SourceRecordEntity, { party: 'dealer-aarhus', externalId: 'A-00000' })).toMatchObject({ nameKey: 'aero transport aps' });
    expect(await em.findOneOrFail(SourceRecordEntity, { party: 'dealer-aarhus', externalId: 'A-05199' })).toMatchObject({ nameKey: 'sorensen 5199' });
    expect(await em.count(SourceRecordEntity, { nameKey: '' })).toBe(0);
  });

  it('finds the records written before it by name', async () => {
    const em = orm.em.fork() as Em;
    const own = await AccessScope.load(em, { party: 'dealer-aarhus' });
    const found = await searchCustomers(em, own, 'Aero Transport', { limit: 5 });
    expect(found.customers.map((customer) => customer.companyName)).toEqual(['Ærø Transport ApS']);
    expect((await searchCustomers(em, own, 'sorensen 4711', { limit: 5 })).customers.map((customer) => customer.familyName)).toEqual(['Sørensen 4711']);
  });
});
