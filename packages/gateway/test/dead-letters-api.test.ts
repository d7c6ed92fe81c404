import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDeadLetter, upsertParty, type Em, type Orm } from '@tandem/core';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';
import { startGateway } from './support.js';

const query = /* GraphQL */ `
  query($party: ID, $pending: Boolean) {
    deadLetters(party: $party, pending: $pending, first: 10) { items { party errorCode issues { path message } originalBase64 } hasNextPage }
  }
`;

describe.each(testDialects())('deadLetters query on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    const em = orm.em.fork() as Em;
    await upsertParty(em, { id: 'dealer-riga', kind: 'dealer', name: 'Auto Rīga SIA', country: 'LV', timeZone: 'Europe/Riga' });
    await upsertParty(em, { id: 'dealer-aarhus', kind: 'dealer', name: 'Århus Bilcenter', country: 'DK', timeZone: 'Europe/Copenhagen' });
    for (const party of ['dealer-riga', 'dealer-aarhus']) {
      recordDeadLetter(em, {
        source: { kind: 'bus', topic: `tandem.in.${party}.v1`, partition: 0, offset: '7' },
        party,
        originalBytes: Buffer.from('{"id":"broken"'),
        errorCode: 'MALFORMED_JSON',
        errorMessage: 'is not valid JSON',
        issues: [{ path: '', message: 'is not valid JSON' }],
      });
    }
    await em.flush();
    gateway = await startGateway(orm);
  });
  afterAll(async () => {
    await gateway.close();
    await close();
  });

  it("shows an integration principal only its own party's dead letters, with the original bytes", async () => {
    const { body } = await gateway.graphql(query, {}, { subject: 'dms', party: 'dealer-riga', role: 'integration' });
    expect(body.data.deadLetters.items).toEqual([
      { party: 'dealer-riga', errorCode: 'MALFORMED_JSON', issues: [{ path: '', message: 'is not valid JSON' }], originalBase64: Buffer.from('{"id":"broken"').toString('base64') },
    ]);
    const other = await gateway.graphql(query, { party: 'dealer-aarhus' }, { subject: 'dms', party: 'dealer-riga', role: 'integration' });
    expect(other.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN', reason: 'NOT_YOUR_PARTY' } });
  });

  it('shows an admin every party, or one', async () => {
    const admin = { subject: 'ops', party: 'dealer-riga', role: 'admin' } as const;
    expect((await gateway.graphql(query, {}, admin)).body.data.deadLetters.items.map((item: { party: string }) => item.party).sort()).toEqual(['dealer-aarhus', 'dealer-riga']);
    expect((await gateway.graphql(query, { party: 'dealer-aarhus', pending: true }, admin)).body.data.deadLetters.items).toHaveLength(1);
  });
});
