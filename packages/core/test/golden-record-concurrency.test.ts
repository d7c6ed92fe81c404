import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerRecordInput, parseOrThrow, type CustomerRecordInput } from '@tandem/schema';
import { applyCustomerRecord, CustomerEntity, DeterministicIdentityResolver, GoldenRecordBatch, upsertParty, type Em, type Orm } from '@tandem/core';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';
import { within } from '../../../tests/support/waiting.js';

const resolver = new DeterministicIdentityResolver();
const record = (input: CustomerRecordInput) => parseOrThrow(customerRecordInput('DE'), input);

// Several workers on one PostgreSQL database apply different parties' topics at once; SQLite has one writer.
describe.skipIf(!testDialects().includes('postgresql'))('golden record merges from concurrent transactions on PostgreSQL', () => {
  let orm: Orm;
  let close: () => Promise<void>;
  let customerId: string;

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm('postgresql'));
    const em = orm.em.fork() as Em;
    await upsertParty(em, { id: 'dealer-berlin', kind: 'dealer', name: 'Autohaus Köpenick', country: 'DE', timeZone: 'Europe/Berlin' });
    await upsertParty(em, { id: 'oem', kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin' });
    ({ customerId } = await em.transactional((tx) =>
      applyCustomerRecord(tx as Em, resolver, 'dealer-berlin', record({ externalId: 'B-1', givenName: 'Anna', familyName: 'Krüger', phones: [{ value: '0151 11111111' }] }), new Date('2026-03-01T10:00:00Z')),
    ));
    await orm.em.fork().transactional((tx) =>
      applyCustomerRecord(tx as Em, resolver, 'oem', record({ externalId: 'O-1', familyName: 'Krüger', phones: [{ value: '+49 151 11111111' }] }), new Date('2026-03-01T11:00:00Z')),
    );
  });
  afterAll(async () => close());

  /** Resolves once some transaction of this database waits for a lock another one holds. */
  async function waitingOnALock(): Promise<void> {
    const observer = orm.em.fork() as Em;
    for (;;) {
      const [row] = await observer.getConnection().execute<{ waiting: number }[]>("select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
      if (row && row.waiting > 0) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it("keeps both parties' field changes (and their provenance) when two transactions merge into one customer at once", async () => {
    let releaseFirst!: () => void;
    const firstMayCommit = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstWrote!: () => void;
    const firstHasWritten = new Promise<void>((resolve) => (firstWrote = resolve));

    // The dealer's worker changes the given name and holds its transaction open…
    const dealer = orm.em.fork().transactional(async (tx) => {
      const batch = await GoldenRecordBatch.load(tx as Em, resolver);
      await batch.apply('dealer-berlin', record({ externalId: 'B-1', givenName: 'Annemarie', familyName: 'Krüger', phones: [{ value: '0151 11111111' }] }), new Date('2026-03-02T10:00:00Z'));
      await batch.write();
      firstWrote();
      await firstMayCommit;
    });
    await firstHasWritten;
    // …while the OEM's worker sets the preferred language of the same customer.
    const oem = orm.em.fork().transactional(async (tx) => {
      const batch = await GoldenRecordBatch.load(tx as Em, resolver);
      await batch.apply('oem', record({ externalId: 'O-1', familyName: 'Krüger', preferredLanguage: 'de', phones: [{ value: '+49 151 11111111' }] }), new Date('2026-03-02T11:00:00Z'));
      await batch.write();
    });
    // The OEM's worker has reached the customer while the dealer's transaction is open once it waits on the dealer's row lock.
    await within(waitingOnALock(), 10_000, () => "the OEM's transaction never waited on the dealer's");
    releaseFirst();
    await Promise.all([dealer, oem]);

    const customer = await orm.em.fork().findOneOrFail(CustomerEntity, { id: customerId });
    expect({ givenName: customer.givenName, preferredLanguage: customer.preferredLanguage }).toEqual({ givenName: 'Annemarie', preferredLanguage: 'de' });
    expect(customer.provenance.givenName).toEqual({ party: 'dealer-berlin', at: '2026-03-02T10:00:00.000Z' });
    expect(customer.provenance.preferredLanguage).toEqual({ party: 'oem', at: '2026-03-02T11:00:00.000Z' });
  });
});
