import { afterAll, describe, expect, it } from 'vitest';
import { openOrm, RelayCursorEntity, type Em, type Orm } from '@tandem/core';
import { createTestDatabase, testDialects, type TestDatabase } from '../../../tests/support/database.js';

const before = 'Migration20261123110000_reference_version';

describe.each(testDialects())('relay cursor migration on %s', (dialect) => {
  const opened: { database: TestDatabase; orm: Orm }[] = [];
  afterAll(async () => {
    for (const { database, orm } of opened) {
      await orm.close(true);
      await database.drop();
    }
  });

  /** A database at the schema before the migration, with outbox rows `published` (true: relayed) in position order. */
  async function outboxBefore(published: readonly boolean[]): Promise<Orm> {
    const database = await createTestDatabase(dialect);
    const orm = await openOrm({ databaseUrl: database.url, poolSize: 2 });
    opened.push({ database, orm });
    await orm.getMigrator().up({ to: before });
    const connection = (orm.em.fork() as Em).getConnection();
    const at = (ms: number) => (dialect === 'sqlite' ? ms : new Date(ms).toISOString());
    for (const [index, relayed] of published.entries()) {
      await connection.execute('insert into outbox (topic, key, event_id, payload, created_at, published_at) values (?, ?, ?, ?, ?, ?)', [
        'tandem.out.oem.v1',
        `customer-${index}`,
        `00000000-0000-7000-8000-${String(index).padStart(12, '0')}`,
        '{}',
        at(1_700_000_000_000),
        relayed ? at(1_700_000_000_000 + index) : null,
      ]);
    }
    await orm.getMigrator().up();
    return orm;
  }

  it('starts the cursor at the newest row the relay had marked published', async () => {
    const orm = await outboxBefore([true, true, true, false, false]);
    const em = orm.em.fork() as Em;
    const positions = (await em.getConnection().execute<{ position: number | string }[]>('select position from outbox order by position')).map((row) => Number(row.position));
    expect(await em.findOneOrFail(RelayCursorEntity, { relay: 'kafka' })).toMatchObject({ position: positions[2], updatedAt: new Date(1_700_000_000_002) });
  });

  it('leaves no cursor where nothing was ever relayed, so a relay starts from the first row', async () => {
    const orm = await outboxBefore([false, false]);
    expect(await (orm.em.fork() as Em).count(RelayCursorEntity, {})).toBe(0);
  });
});
