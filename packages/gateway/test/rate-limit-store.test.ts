import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openOrm, upsertParty, type Em, type Orm } from '@tandem/core';
import { createTestDatabase, testDialects, type TestDatabase } from '../../../tests/support/database.js';
import type { Principal } from '../src/auth/principal.js';
import { startGateway } from './support.js';

const anna: Principal = { subject: 'anna', party: 'dealer-berlin', role: 'dealer_staff' };
const limits = { rateLimits: { principal: [{ points: 3, durationSeconds: 60 }] } };

describe.skipIf(!testDialects().includes('postgresql'))('rate limits shared by gateway replicas on PostgreSQL', () => {
  let database: TestDatabase;
  const orms: Orm[] = [];
  const replicas: Awaited<ReturnType<typeof startGateway>>[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgresql');
    for (let replica = 0; replica < 2; replica++) {
      const orm = await openOrm({ databaseUrl: database.url, poolSize: 2 });
      await migrate(orm);
      orms.push(orm);
      replicas.push(await startGateway(orm, { hardening: limits }));
    }
    await upsertParty(orms[0]!.em.fork() as Em, { id: 'dealer-berlin', kind: 'dealer', name: 'Autohaus Köpenick', country: 'DE', timeZone: 'Europe/Berlin' });
  });
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await Promise.all(orms.map((orm) => orm.close(true)));
    await database.drop();
  });

  it('counts a caller once across replicas: the budget is used up whichever replica answers', async () => {
    const [first, second] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const token = await first.tokens.issue(anna);
    expect((await first.graphql('{ viewerParty { id } }', {}, token)).status).toBe(200);
    expect((await second.graphql('{ viewerParty { id } }', {}, token)).status).toBe(200);
    expect((await first.graphql('{ viewerParty { id } }', {}, token)).status).toBe(200);
    const limited = await second.graphql('{ viewerParty { id } }', {}, token);
    expect(limited.status).toBe(429);
    expect(limited.body.errors).toMatchObject([{ extensions: { code: 'RATE_LIMITED', reason: 'TOO_MANY_REQUESTS' } }]);
    const rows = await (orms[0]!.em.fork() as Em).getConnection().execute<{ key: string; points: number }[]>('select key, points from rate_limit');
    expect(rows).toEqual([{ key: 'operations:3/60s:principal:dealer-berlin/anna', points: 4 }]);
  });
});
