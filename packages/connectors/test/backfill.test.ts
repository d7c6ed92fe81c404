import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerRecordInput, parseOrThrow, topics, customerProjectedV1, activitySharedV1 } from '@tandem/schema';
import { applyCustomerRecord, DeterministicIdentityResolver, grantSharing, OutboxMessageEntity, recordActivity, upsertParty, type Em, type Orm } from '@tandem/core';
import { backfillParty } from '@tandem/connectors';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';

describe.each(testDialects())('backfill of a newly granted party on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    const em = orm.em.fork() as Em;
    await upsertParty(em, { id: 'oem', kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin' });
    await upsertParty(em, { id: 'dealer-munich', kind: 'dealer', name: 'Autohaus Isar', country: 'DE', timeZone: 'Europe/Berlin' });
    await upsertParty(em, { id: 'dealer-other', kind: 'dealer', name: 'Autohaus Elbe', country: 'DE', timeZone: 'Europe/Berlin' });
    const resolver = new DeterministicIdentityResolver();
    await em.transactional(async (tx) => {
      for (let index = 0; index < 7; index++) {
        const record = parseOrThrow(customerRecordInput('DE'), { externalId: `OEM-${index}`, givenName: 'Käthe', familyName: `Groß-${index}`, phones: [{ value: `0151 2000000${index}` }] });
        await applyCustomerRecord(tx as Em, resolver, 'oem', record, new Date('2026-01-01T00:00:00Z'));
        await recordActivity(tx as Em, 'oem', { externalId: `MAIL-${index}`, customerExternalId: `OEM-${index}`, channel: 'email', direction: 'outbound', occurredAt: new Date('2026-02-01T00:00:00Z'), subject: 'Inspektion fällig', content: 'Liebe Frau Groß' }, new Date());
      }
      const other = parseOrThrow(customerRecordInput('DE'), { externalId: 'ELBE-1', familyName: 'Nur-Elbe' });
      await applyCustomerRecord(tx as Em, resolver, 'dealer-other', other, new Date('2026-01-01T00:00:00Z'));
    });
    await grantSharing(em, { grantor: 'oem', grantee: 'dealer-munich', dataClasses: ['identity', 'activities'], purpose: 'service', validFrom: '2020-01-01T00:00:00Z' });
  });
  afterAll(() => close());

  it("sends every customer and activity the new agreement grants, in pages, without ungranted sections or content", async () => {
    const result = await backfillParty({ orm, recipient: 'dealer-munich', pageSize: 3 });
    expect(result).toEqual({ customers: 7, messages: 14 });
    const rows = await orm.em.fork().find(OutboxMessageEntity, { topic: topics.outbound('dealer-munich') }, { orderBy: { position: 'asc' } });
    const events = rows.map((row) => JSON.parse(row.payload) as { type: string; source: string; payload: unknown });
    const customers = events.filter((event) => event.type === 'customer.projected').map((event) => customerProjectedV1.parse(event.payload));
    const activities = events.filter((event) => event.type === 'activity.shared').map((event) => activitySharedV1.parse(event.payload));
    expect(customers).toHaveLength(7);
    expect(customers.every((customer) => customer.identity?.familyName?.startsWith('Groß-') && customer.contact === undefined)).toBe(true);
    expect(activities).toHaveLength(7);
    expect(activities.every((activity) => activity.subject === 'Inspektion fällig' && activity.content === undefined)).toBe(true);
    expect(events.every((event) => event.source === 'oem')).toBe(true);
  });

  it('refuses an unknown party and a grantor that grants nothing, naming the option', async () => {
    await expect(backfillParty({ orm, recipient: 'dealer-nowhere' })).rejects.toThrow('--party: party dealer-nowhere is not registered');
    await expect(backfillParty({ orm, recipient: 'dealer-munich', grantor: 'dealer-other' })).rejects.toThrow('--grantor: dealer-other grants dealer-munich nothing in force');
  });
});
