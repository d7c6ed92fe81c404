import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerRecordInput, parseOrThrow, type CustomerRecordInput } from '@tandem/schema';
import { applyCustomerRecord, DeterministicIdentityResolver, grantSharing, recordActivity, upsertParty, type Em, type Orm } from '@tandem/core';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';
import { startGateway } from './support.js';

const customerQuery = /* GraphQL */ `
  query Customer($id: ID!, $first: Int, $after: String) {
    customer(id: $id) {
      id displayName givenName familyName
      phones { value source { party visibility } }
      vehicles { vin model relation }
      sources { party externalId }
      activities(first: $first, after: $after) {
        edges { cursor node { channel subject content party onBehalfOf occurredAt } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

describe.each(testDialects())('customer API on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let customerId: string;
  const dealer = { subject: 'anna', party: 'dealer-berlin', role: 'dealer_staff' } as const;

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    const em = orm.em.fork() as Em;
    await upsertParty(em, { id: 'oem', kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin' });
    await upsertParty(em, { id: 'dealer-berlin', kind: 'dealer', name: 'Autohaus Köpenick', country: 'DE', timeZone: 'Europe/Berlin' });
    await upsertParty(em, { id: 'dealer-aarhus', kind: 'dealer', name: 'Århus Bilcenter', country: 'DK', timeZone: 'Europe/Copenhagen' });
    await upsertParty(em, { id: 'ic-baltic', kind: 'interaction_center', name: 'Baltic Contact SIA', country: 'LV', timeZone: 'Europe/Riga', clients: ['oem'] });
    await grantSharing(em, { grantor: 'oem', grantee: 'dealer-berlin', dataClasses: ['identity', 'contact', 'vehicles', 'activities'], purpose: 'service', validFrom: '2020-01-01T00:00:00Z' });
    await grantSharing(em, { grantor: 'ic-baltic', grantee: 'dealer-berlin', dataClasses: ['activities'], purpose: 'service', validFrom: '2020-01-01T00:00:00Z' });
    const resolver = new DeterministicIdentityResolver();
    const apply = (party: string, input: CustomerRecordInput) =>
      em.transactional((tx) => applyCustomerRecord(tx as Em, resolver, party, parseOrThrow(customerRecordInput('DE'), input), new Date('2026-03-01T00:00:00Z')));
    ({ customerId } = await apply('dealer-berlin', { externalId: 'DMS-1', givenName: 'Jürgen', familyName: 'Weiß', phones: [{ value: '0151 23456789' }], vehicles: [{ vin: 'WNW1234567A123456', brand: 'Nordwagen', model: 'Fjord' }] }));
    await apply('oem', { externalId: 'OEM-1', givenName: 'Jürgen', familyName: 'Weiß', phones: [{ value: '+49 151 23456789' }] });
    await apply('ic-baltic', { externalId: 'IC-1', familyName: 'Weiss', phones: [{ value: '+4915123456789' }] });
    await em.transactional(async (tx) => {
      for (let day = 1; day <= 5; day++) {
        await recordActivity(tx as Em, 'oem', { externalId: `L-${day}`, customerExternalId: 'OEM-1', channel: 'letter', direction: 'outbound', occurredAt: new Date(`2026-04-0${day}T09:00:00Z`), subject: `Letter ${day}`, content: 'Sehr geehrter Herr Weiß' }, new Date());
      }
      await recordActivity(tx as Em, 'ic-baltic', { externalId: 'C-1', customerExternalId: 'IC-1', channel: 'phone', direction: 'inbound', occurredAt: new Date('2026-04-10T09:00:00Z'), subject: 'Service question', outcome: 'handed to dealer', onBehalfOf: 'oem' }, new Date());
    });
    gateway = await startGateway(orm);
  });
  afterAll(async () => {
    await gateway.close();
    await close();
  });

  it("shows a dealer its customer with the manufacturer's and the interaction center's history, newest first", async () => {
    const { body } = await gateway.graphql(customerQuery, { id: customerId, first: 3 }, dealer);
    expect(body.errors).toBeUndefined();
    const customer = body.data.customer;
    expect(customer).toMatchObject({ displayName: 'Jürgen Weiß', vehicles: [{ vin: 'WNW1234567A123456', model: 'Fjord', relation: 'owner' }] });
    expect(customer.sources.map((source: { party: string }) => source.party)).toEqual(['dealer-berlin', 'oem']);
    const nodes = customer.activities.edges.map((edge: { node: unknown }) => edge.node);
    expect(nodes[0]).toMatchObject({ channel: 'phone', party: 'ic-baltic', onBehalfOf: 'oem', subject: 'Service question' });
    expect(nodes.slice(1).map((node: { subject: string; content: string | null }) => [node.subject, node.content])).toEqual([
      ['Letter 5', null],
      ['Letter 4', null],
    ]);
    expect(customer.activities.pageInfo.hasNextPage).toBe(true);
  });

  it('pages through the whole timeline with cursors, without gaps or repeats', async () => {
    const subjects: string[] = [];
    let after: string | undefined;
    for (;;) {
      const { body } = await gateway.graphql(customerQuery, { id: customerId, first: 2, ...(after ? { after } : {}) }, dealer);
      const page = body.data.customer.activities;
      subjects.push(...page.edges.map((edge: { node: { subject: string } }) => edge.node.subject));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(subjects).toEqual(['Service question', 'Letter 5', 'Letter 4', 'Letter 3', 'Letter 2', 'Letter 1']);
  });

  it('gives a dealer without an agreement nothing, indistinguishable from a missing customer', async () => {
    const other = { subject: 'mads', party: 'dealer-aarhus', role: 'dealer_staff' } as const;
    const forbidden = await gateway.graphql(customerQuery, { id: customerId }, other);
    const missing = await gateway.graphql(customerQuery, { id: '00000000-0000-7000-8000-000000000000' }, other);
    expect(forbidden.body).toEqual({ data: { customer: null } });
    expect(missing.body).toEqual(forbidden.body);
  });

  it('finds the customer by phone in national format, e-mail-less name and VIN', async () => {
    const search = `query($q: String!) { customers(search: $q) { readAs customers { id } } }`;
    for (const [term, readAs] of [['0151 2345 6789', 'phone'], ['+49 (151) 23456789', 'phone'], ['weiss', 'name'], ['WNW1234567A123456', 'vin']] as const) {
      const { body } = await gateway.graphql(search, { q: term }, dealer);
      expect(body.data.customers, term).toEqual({ readAs, customers: [{ id: customerId }] });
    }
  });

  it('rejects bad arguments with the field and the reason', async () => {
    const { body } = await gateway.graphql(customerQuery, { id: customerId, first: 1000 }, dealer);
    expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', issues: [{ path: 'first', message: 'must be at most 100' }] } });
    const cursor = await gateway.graphql(customerQuery, { id: customerId, after: 'nonsense' }, dealer);
    expect(cursor.body.errors?.[0]).toMatchObject({ message: 'after: is not a cursor returned by this API', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('answers 401 with a clear error for a missing, tampered or expired token, and no data', async () => {
    const anonymous = await gateway.graphql(customerQuery, { id: customerId });
    expect(anonymous.body.data?.customer ?? null).toBeNull();
    expect(anonymous.body.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    const token = await gateway.tokens.issue(dealer);
    const tampered = await gateway.graphql(customerQuery, { id: customerId }, `${token.slice(0, -4)}AAAA`);
    expect(tampered.status).toBe(401);
    expect(tampered.body).toMatchObject({ errors: [{ message: 'token signature is invalid', extensions: { code: 'UNAUTHENTICATED' } }] });
    const expired = await gateway.graphql(customerQuery, { id: customerId }, await gateway.tokens.issue(dealer, { expiresIn: '-1s' }));
    expect(expired.status).toBe(401);
    expect(expired.body.errors?.[0].message).toBe('token has expired');
  });

  it('requires an interaction center to say which client it acts for', async () => {
    const agent = { subject: 'ilze', party: 'ic-baltic', role: 'agent' } as const;
    const { body } = await gateway.graphql(customerQuery, { id: customerId }, agent);
    expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN', reason: 'ACTING_FOR_REQUIRED' } });
  });

  it('reports health and readiness', async () => {
    expect(await (await fetch(`${gateway.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${gateway.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', checks: { database: true } }]);
  });
});
