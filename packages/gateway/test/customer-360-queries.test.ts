import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { argumentationAidInput, consentInput, customerRecordInput, parseOrThrow, taskInput } from '@tandem/schema';
import {
  announceCustomerChanges,
  applyCustomerRecord,
  ArgumentationAidEntity,
  DeterministicIdentityResolver,
  grantSharing,
  migrate,
  openOrm,
  recordActivitiesBatch,
  recordConsent,
  recordTask,
  upsertParty,
  type Em,
  type Orm,
} from '@tandem/core';
import { createTestDatabase, testDialects, type TestDatabase } from '../../../tests/support/database.js';
import type { Principal } from '../src/auth/principal.js';
import { startGateway } from './support.js';
import { SseSubscription } from './sse-client.js';

/** Every relation of the customer 360, as the agent console asks for it. */
const customerFields = /* GraphQL */ `
  fragment Customer360 on Customer {
    id displayName kind preferredLanguage updatedAt
    phones { value label source { party visibility agreementId } }
    emails { value }
    addresses { city }
    vehicles { vin brand model relation }
    sources { party externalId }
    consent { purpose channel granted recordedAt source { party } }
    openTasks { id kind title status dueAt creator assignee }
    argumentationAids { title brand }
    activities(first: 100) { edges { cursor node { id subject outcome content party occurredAt } } pageInfo { hasNextPage } }
  }
`;
const byId = `query($id: ID!) { customer(id: $id) { ...Customer360 } } ${customerFields}`;
const bySearch = `query($q: String!, $first: Int) { customers(search: $q, first: $first) { customers { ...Customer360 } } } ${customerFields}`;

const dealer: Principal = { subject: 'anna', party: 'dealer-berlin', role: 'dealer_staff' };

describe.each(testDialects())('customer 360 query count on %s', (dialect) => {
  let database: TestDatabase;
  let orm: Orm;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let counting = false;
  /** MikroORM's query log (ORM queries) and knex's query events (every statement, the raw set-based reads of the views too). */
  let logged: string[] = [];
  let executed: string[] = [];
  const ids: string[] = [];

  /** The SQL statements one GraphQL request runs. */
  async function statementsOf(query: string, variables: Record<string, unknown>) {
    logged = [];
    executed = [];
    counting = true;
    const { body } = await gateway.graphql(query, variables, dealer);
    counting = false;
    expect(body.errors).toBeUndefined();
    return { body, count: executed.length, logged: logged.length };
  }

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    orm = await openOrm({
      databaseUrl: database.url,
      poolSize: 4,
      queryLogger: (message) => {
        if (counting) logged.push(message);
      },
    });
    await migrate(orm);
    // The customer views' set-based reads run as knex raw statements, which MikroORM's query log does not show.
    (orm.em as Em).getKnex().on('query', (query: { sql: string }) => {
      if (counting) executed.push(query.sql);
    });
    const em = orm.em.fork() as Em;
    await upsertParty(em, { id: 'oem', kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin', brands: ['Nordwagen'] });
    await upsertParty(em, { id: 'dealer-berlin', kind: 'dealer', name: 'Autohaus Köpenick', country: 'DE', timeZone: 'Europe/Berlin', brands: ['Nordwagen'] });
    await grantSharing(em, {
      grantor: 'oem',
      grantee: 'dealer-berlin',
      dataClasses: ['identity', 'contact', 'vehicles', 'activities', 'content', 'consent', 'tasks'],
      purpose: 'service',
      validFrom: '2020-01-01T00:00:00Z',
    });
    const at = new Date('2026-03-01T00:00:00Z');
    const resolver = new DeterministicIdentityResolver();
    await em.transactional(async (tx) => {
      for (let n = 0; n < 10; n += 1) {
        const record = parseOrThrow(customerRecordInput('DE'), {
          externalId: `OEM-${n}`,
          givenName: `Anna${n}`,
          familyName: 'Berg',
          phones: [{ value: `+49151000000${String(n).padStart(2, '0')}` }],
          emails: [{ value: `anna${n}.berg@example.de` }],
          addresses: [{ street: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin', country: 'DE' }],
          vehicles: [{ vin: `WNW1234567A1234${String(n).padStart(2, '0')}`, brand: 'Nordwagen', model: 'Fjord' }],
        });
        ids.push((await applyCustomerRecord(tx as Em, resolver, 'oem', record, at)).customerId);
        // Customer 1 has 60 activities; every other one 3.
        const activities = Array.from({ length: n === 1 ? 60 : 3 }, (_, index) => ({
          externalId: `A-${n}-${index}`,
          customerExternalId: `OEM-${n}`,
          channel: 'letter' as const,
          direction: 'outbound' as const,
          occurredAt: new Date(Date.UTC(2026, 0, 1, 0, index)),
          subject: `Letter ${index}`,
          content: 'Sehr geehrte Frau Berg',
        }));
        await recordActivitiesBatch(tx as Em, 'oem', activities, at);
        await recordConsent(tx as Em, 'oem', parseOrThrow(consentInput, { customerExternalId: `OEM-${n}`, purpose: 'marketing', granted: true, recordedAt: '2026-03-01T10:00:00Z', proof: `form ${n}` }));
        await recordTask(tx as Em, 'oem', parseOrThrow(taskInput, { externalId: `T-${n}`, customerExternalId: `OEM-${n}`, assignee: 'dealer-berlin', kind: 'callback', title: 'Call back' }), at);
      }
      for (const input of [
        { brand: 'Nordwagen', title: 'Fjord inspection offer', body: 'Offer the inspection bonus.', language: 'de', appliesTo: { vehicleModels: ['Fjord'] } },
        { brand: 'Nordwagen', title: 'Greeting', body: 'Welcome to Nordwagen.', language: 'de' },
      ]) {
        tx.create(ArgumentationAidEntity, { id: uuidv7(), ...parseOrThrow(argumentationAidInput, input), createdAt: at });
      }
    });
    // The console's 360 query is deeper and costlier than the production document limits allow an ad-hoc query.
    gateway = await startGateway(orm, { hardening: { operationLimits: { maxDepth: 10, maxCost: 1_000_000, maxTokens: 5000 } } });
  });
  afterAll(async () => {
    await gateway?.close();
    await orm?.close(true);
    await database?.drop();
  });

  it('runs as many statements for a customer with 60 activities as for one with 3', async () => {
    // The first request reads the reference data (parties, agreements, aids); later ones only check its token.
    const cold = await statementsOf(byId, { id: ids[0] });
    const few = await statementsOf(byId, { id: ids[0] });
    expect(cold.count - few.count).toBe(3);
    const many = await statementsOf(byId, { id: ids[1] });
    expect(few.body.data.customer.activities.edges).toHaveLength(3);
    expect(many.body.data.customer.activities.edges).toHaveLength(60);
    expect(many.body.data.customer).toMatchObject({ consent: [{ purpose: 'marketing' }], openTasks: [{ title: 'Call back' }] });
    expect(many.body.data.customer.argumentationAids.map((aid: { title: string }) => aid.title)).toEqual(['Fjord inspection offer', 'Greeting']);
    expect(few.count).toBeGreaterThan(0);
    expect(many.count).toBe(few.count);
    expect(many.logged).toBe(few.logged);
    // A fixed budget: the reference-data token, the view (6), consent, tasks, one timeline query — not one per anything.
    expect(few.count).toBeLessThanOrEqual(10);
  });

  it('runs as many statements for a search returning 10 customers as for one returning 1', async () => {
    const one = await statementsOf(bySearch, { q: 'Berg', first: 1 });
    const ten = await statementsOf(bySearch, { q: 'Berg', first: 10 });
    expect(one.body.data.customers.customers).toHaveLength(1);
    expect(ten.body.data.customers.customers).toHaveLength(10);
    expect(ten.body.data.customers.customers.map((customer: { activities: { edges: unknown[] } }) => customer.activities.edges.length).sort((a: number, b: number) => a - b)).toEqual([
      3, 3, 3, 3, 3, 3, 3, 3, 3, 60,
    ]);
    expect(ten.count).toBe(one.count);
    expect(ten.logged).toBe(one.logged);
  });

  it('runs as many statements for a change of 10 customers followed by a subscription as for a change of 1', async () => {
    const token = await gateway.tokens.issue({ subject: 'otto', party: 'dealer-berlin', role: 'manager' });
    const follow = await SseSubscription.open(gateway.url, `subscription { customersChanged { ...Customer360 } } ${customerFields}`, {}, { authorization: `Bearer ${token}` });
    /** The statements the subscription runs for one change of `changed` customers, until it sent them all. */
    const statementsFor = async (changed: readonly string[]) => {
      logged = [];
      executed = [];
      counting = true;
      await announceCustomerChanges(orm, changed);
      const sent: { id: string; activities: { edges: unknown[] } }[] = [];
      while (sent.length < changed.length) {
        const message = await follow.next();
        expect(message.data?.errors).toBeUndefined();
        sent.push(message.data!.data.customersChanged);
      }
      counting = false;
      return { sent, count: executed.length, logged: logged.length };
    };
    try {
      const one = await statementsFor([ids[0]!]);
      const ten = await statementsFor(ids);
      expect(one.sent.map((customer) => customer.id)).toEqual([ids[0]]);
      expect(ten.sent.map((customer) => customer.id)).toEqual(ids);
      expect(ten.sent[1]!.activities.edges).toHaveLength(60);
      expect(one.count).toBeGreaterThan(0);
      expect(ten.count).toBe(one.count);
      expect(ten.logged).toBe(one.logged);
    } finally {
      follow.close();
    }
  });
});
