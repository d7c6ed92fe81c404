import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consentInput, customerRecordInput, parseOrThrow, type CustomerRecordInput } from '@tandem/schema';
import {
  AccessAuditEntryEntity,
  AccessAuditor,
  announceCustomerChanges,
  customerChangesChannel,
  customerOfSource,
  grantSharing,
  issueApiKey,
  openOrm,
  revokeApiKey,
  revokeSharing,
  SharingAgreementEntity,
  type Em,
  type Orm,
} from '@tandem/core';
import { openTestOrm, testDialects, type TestDatabase } from '../../../tests/support/database.js';
import type { Principal } from '../src/auth/principal.js';
import { ingestApiEvent } from '../src/runtime/api-ingest.js';
import { registerPartnerWorld, startGateway } from './support.js';
import { SseSubscription } from './sse-client.js';
import { maxPendingCustomers } from '../src/graphql/customer-change-events.js';

const customerFields = /* GraphQL */ `id familyName phones { value } activities(first: 10) { edges { node { subject party } } }`;
const followOne = /* GraphQL */ `subscription Follow($id: ID!) { customerChanged(id: $id) { ${customerFields} } }`;
const followAll = /* GraphQL */ `subscription FollowAll { customersChanged { ${customerFields} } }`;

const berlinStaff: Principal = { subject: 'anna', party: 'dealer-berlin', role: 'dealer_staff' };
const insurerManager: Principal = { subject: 'ines', party: 'insurer', role: 'manager' };
const hamburgStaff: Principal = { subject: 'hanna', party: 'dealer-hamburg', role: 'dealer_staff' };
const hamburgManager: Principal = { subject: 'hugo', party: 'dealer-hamburg', role: 'manager' };
const expiredStaff: Principal = { subject: 'erik', party: 'dealer-expired', role: 'dealer_staff' };
const icForOem: Principal = { subject: 'ilze', party: 'ic-nordic', role: 'integration', actingFor: 'oem' };

describe.each(testDialects())('customer subscriptions on %s', (dialect) => {
  let orm: Orm;
  let database: TestDatabase;
  let close: () => Promise<void>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let auditor: AccessAuditor;
  let berlinCustomer: string;
  let hamburgCustomer: string;
  const open: SseSubscription[] = [];
  let events = 0;

  /** Applies an event exactly as a partner's message is applied (the ingest pipeline), through `through` (default: the gateway's database handle). */
  const upsert = (party: string, input: CustomerRecordInput, through: Orm = orm) =>
    ingestApiEvent({ orm: through }, party, { type: 'contact.upserted', payload: parseOrThrow(customerRecordInput('DE'), input), customerExternalId: input.externalId });
  const call = (party: string, customerExternalId: string, subject: string) =>
    ingestApiEvent({ orm }, party, {
      type: 'activity.recorded',
      payload: { externalId: `CALL-${(events += 1)}`, customerExternalId, channel: 'phone', direction: 'inbound', occurredAt: new Date('2026-05-01T10:00:00Z').toISOString(), subject },
      customerExternalId,
    });

  async function subscribe(as: Principal | { apiKey: string }, query: string, variables: Record<string, unknown> = {}) {
    const headers: Record<string, string> = 'apiKey' in as ? { 'x-api-key': as.apiKey } : { authorization: `Bearer ${await gateway.tokens.issue(as)}` };
    const subscription = await SseSubscription.open(gateway.url, query, variables, headers);
    open.push(subscription);
    return subscription;
  }

  /** Ends every open subscription the way a shutdown does (each sends what it had, then completes) and starts a fresh gateway. */
  async function endSubscriptions() {
    await gateway.close();
    gateway = await startGateway(orm, { auditor, hardening: { maxSubscriptionsPerPrincipal: 2 } });
  }

  beforeAll(async () => {
    ({ orm, database, close } = await openTestOrm(dialect));
    await registerPartnerWorld(orm.em.fork() as Em);
    await upsert('dealer-berlin', { externalId: 'B-1', givenName: 'Bea', familyName: 'Berliner', phones: [{ value: '+49 151 20000001' }] });
    await upsert('dealer-hamburg', { externalId: 'H-1', givenName: 'Hein', familyName: 'Hamburger', phones: [{ value: '+49 151 20000002' }] });
    await upsert('oem', { externalId: 'O-1', givenName: 'Olga', familyName: 'Oemkundin', phones: [{ value: '+49 151 20000003' }] });
    const em = orm.em.fork() as Em;
    berlinCustomer = (await customerOfSource(em, 'dealer-berlin', 'B-1'))!;
    hamburgCustomer = (await customerOfSource(em, 'dealer-hamburg', 'H-1'))!;
    auditor = new AccessAuditor(orm);
    gateway = await startGateway(orm, { auditor, hardening: { maxSubscriptionsPerPrincipal: 2 } });
  }, 60_000);
  afterEach(() => {
    for (const subscription of open.splice(0)) subscription.close();
  });
  afterAll(async () => {
    await gateway?.close();
    await auditor?.close();
    await close();
  });

  it("sends a grantee the customer each time any party changes it, read afresh, and the owner too", async () => {
    const insurer = await subscribe(insurerManager, followOne, { id: berlinCustomer });
    const owner = await subscribe(berlinStaff, followOne, { id: berlinCustomer });
    expect(insurer.status).toBe(200);
    await call('dealer-berlin', 'B-1', 'Bremsen quietschen');
    const first = await insurer.next();
    expect(first.data?.errors).toBeUndefined();
    expect(first.data?.data.customerChanged).toMatchObject({ id: berlinCustomer, familyName: 'Berliner', activities: { edges: [{ node: { subject: 'Bremsen quietschen', party: 'dealer-berlin' } }] } });
    await call('dealer-berlin', 'B-1', 'Termin bestätigt');
    const second = await insurer.next();
    // A fresh read per event: the second event shows both calls, not the first event's cached page.
    expect(second.data?.data.customerChanged.activities.edges.map((edge: any) => edge.node.subject)).toEqual(expect.arrayContaining(['Bremsen quietschen', 'Termin bestätigt']));
    expect(second.data?.data.customerChanged.activities.edges).toHaveLength(2);
    expect((await owner.next()).data?.data.customerChanged.id).toBe(berlinCustomer);
  });

  it('sends the customer when a consent decision about it is recorded', async () => {
    const insurer = await subscribe(insurerManager, `subscription Consent($id: ID!) { customerChanged(id: $id) { consent { purpose granted } } }`, { id: berlinCustomer });
    const consent = { customerExternalId: 'B-1', purpose: 'marketing', granted: true, recordedAt: '2026-05-02T09:00:00Z', proof: 'Formular 17' };
    await ingestApiEvent({ orm }, 'dealer-berlin', { type: 'consent.recorded', payload: parseOrThrow(consentInput, consent), customerExternalId: 'B-1' });
    expect((await insurer.next()).data?.data.customerChanged.consent).toEqual([{ purpose: 'marketing', granted: true }]);
  });

  it('sends nothing of a customer to parties without an agreement in force, to another client\'s interaction center, and nothing of other customers', async () => {
    const others = [
      await subscribe(hamburgStaff, followOne, { id: berlinCustomer }),
      await subscribe(expiredStaff, followOne, { id: berlinCustomer }),
      await subscribe(icForOem, followOne, { id: berlinCustomer }),
    ];
    const hamburgAll = await subscribe(hamburgManager, followAll);
    const icAll = await subscribe(icForOem, followAll);
    const insurerAll = await subscribe(insurerManager, followAll);
    await call('dealer-berlin', 'B-1', 'Vertrauliches Gespräch');
    await call('dealer-hamburg', 'H-1', 'Hamburger Anruf');
    await call('oem', 'O-1', 'Herstelleranruf');
    // News arrives in commit order: once the last change reached a subscriber, the earlier ones reached every subscriber.
    expect((await icAll.next()).data?.data.customersChanged.familyName).toBe('Oemkundin');
    await endSubscriptions();
    for (const subscription of others) expect(await subscription.rest()).toEqual([]);
    const names = async (subscription: SseSubscription) => (await subscription.rest()).map((result) => result.data.customersChanged.familyName);
    expect(await names(hamburgAll)).toEqual(['Hamburger']);
    expect(await names(icAll)).toEqual([]);
    expect(await names(insurerAll)).toEqual(['Berliner']);
  });

  it('stops at once when the agreement is revoked mid-stream, and records every event in the access audit', async () => {
    const insurer = await subscribe(insurerManager, followAll);
    const owner = await subscribe(berlinStaff, followOne, { id: berlinCustomer });
    await call('dealer-berlin', 'B-1', 'Vor dem Widerruf');
    await owner.next();
    const before = await insurer.next();
    expect(before.data?.data.customersChanged.familyName).toBe('Berliner');
    const em = orm.em.fork() as Em;
    const agreement = await em.findOneOrFail(SharingAgreementEntity, { grantor: 'dealer-berlin', grantee: 'insurer' });
    await revokeSharing(em, agreement.id);
    try {
      await call('dealer-berlin', 'B-1', 'Nach dem Widerruf');
      // The owner's subscription heard the change: the insurer's heard it too (news reaches every subscriber at once).
      expect((await owner.next()).data?.data.customerChanged.activities.edges[0].node.subject).toBe('Nach dem Widerruf');
      await endSubscriptions();
      expect(await insurer.rest()).toEqual([]);
    } finally {
      await grantSharing(em, { grantor: 'dealer-berlin', grantee: 'insurer', dataClasses: ['identity', 'contact', 'vehicles', 'activities', 'content', 'consent', 'tasks'], purpose: 'customer_care', validFrom: '2020-01-01T00:00:00Z' });
    }
    await auditor.flush();
    const audited = await (orm.em.fork() as Em).find(AccessAuditEntryEntity, { principal: 'ines', customer: berlinCustomer });
    expect(audited.length).toBeGreaterThanOrEqual(1);
  });

  it('ends a subscription with UNAUTHENTICATED and no data once its API key is revoked', async () => {
    const em = orm.em.fork() as Em;
    const issued = await issueApiKey(em, { party: 'insurer', scopes: ['read'], label: 'live feed' });
    const connector = await subscribe({ apiKey: issued.key }, followAll);
    await call('dealer-berlin', 'B-1', 'Mit gültigem Schlüssel');
    expect((await connector.next()).data?.data.customersChanged.familyName).toBe('Berliner');
    await revokeApiKey(em, issued.id);
    await call('dealer-berlin', 'B-1', 'Nach dem Entzug');
    const ending = await connector.next();
    expect(ending.data?.data ?? null).toBeNull();
    expect(ending.data?.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(JSON.stringify(ending)).not.toContain('Nach dem Entzug');
    expect((await connector.next()).event).toBe('complete');
  });

  it('ends a subscription with UNAUTHENTICATED TOKEN_EXPIRED when its bearer token expires, even while nothing changes', async () => {
    const token = await gateway.tokens.issue(insurerManager, { expiresIn: '2s' });
    const subscription = await SseSubscription.open(gateway.url, followOne, { id: berlinCustomer }, { authorization: `Bearer ${token}` });
    open.push(subscription);
    const ending = await subscription.next();
    expect(ending.data?.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' });
    expect((await subscription.next()).event).toBe('complete');
  });

  it('refuses anonymous callers, screen roles following every customer, and callers past their open subscriptions', async () => {
    const anonymous = await SseSubscription.open(gateway.url, followOne, { id: berlinCustomer }, {});
    open.push(anonymous);
    expect((await anonymous.next()).data?.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    const staff = await subscribe(berlinStaff, followAll);
    expect((await staff.next()).data?.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_MAY_NOT_FOLLOW_ALL' });
    const caller: Principal = { subject: 'busy', party: 'dealer-berlin', role: 'dealer_staff' };
    const first = await subscribe(caller, followOne, { id: berlinCustomer });
    await subscribe(caller, followOne, { id: hamburgCustomer });
    const third = await subscribe(caller, followOne, { id: berlinCustomer });
    expect((await third.next()).data?.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'TOO_MANY_SUBSCRIPTIONS' });
    // A client that goes away frees its place.
    first.close();
    await expect.poll(async () => {
      const again = await subscribe(caller, followOne, { id: berlinCustomer });
      await call('dealer-berlin', 'B-1', 'Platz frei?');
      const message = await again.next();
      again.close();
      return message.data?.errors?.[0]?.extensions?.reason ?? message.data?.data?.customerChanged.id;
    }, { timeout: 10_000 }).toBe(berlinCustomer);
  });

  // On SQLite the news reaches the subscription at once, all of it before it reads anything: the backlog is exact.
  it.runIf(dialect === 'sqlite')('ends a subscriber that falls too far behind with SUBSCRIBER_TOO_SLOW instead of holding the backlog', async () => {
    const connector = await subscribe({ subject: 'slow', party: 'insurer', role: 'integration' }, followAll);
    await announceCustomerChanges(orm, Array.from({ length: maxPendingCustomers + 1 }, () => randomUUID()));
    const ending = await connector.next();
    expect(ending.data?.errors?.[0]).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'SUBSCRIBER_TOO_SLOW' } });
    expect(ending.data?.errors?.[0]?.message).toMatch(/subscribe again/);
    expect((await connector.next()).event).toBe('complete');
  });

  it.runIf(dialect === 'postgresql')('ends subscriptions with CHANGE_FEED_INTERRUPTED when the LISTEN connection is lost, and listens afresh for the next', async () => {
    const insurer = await subscribe(insurerManager, followOne, { id: berlinCustomer });
    await orm.em.getConnection().execute(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query = 'listen ${customerChangesChannel}'`);
    const ending = await insurer.next();
    expect(ending.data?.errors?.[0]).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'CHANGE_FEED_INTERRUPTED' } });
    expect((await insurer.next()).event).toBe('complete');
    const again = await subscribe(insurerManager, followOne, { id: berlinCustomer });
    await call('dealer-berlin', 'B-1', 'Nach der Unterbrechung');
    expect((await again.next()).data?.data.customerChanged.activities.edges[0].node.subject).toBe('Nach der Unterbrechung');
  });

  it.runIf(dialect === 'postgresql')('hears changes committed by another process on the database (a worker)', async () => {
    const worker = await openOrm({ databaseUrl: database.url, poolSize: 2 });
    try {
      const insurer = await subscribe(insurerManager, followOne, { id: berlinCustomer });
      await upsert('dealer-berlin', { externalId: 'B-1', givenName: 'Bea', familyName: 'Berliner-Neu', phones: [{ value: '+49 151 20000001' }] }, worker);
      expect((await insurer.next()).data?.data.customerChanged).toMatchObject({ id: berlinCustomer, familyName: 'Berliner-Neu' });
    } finally {
      await worker.close(true);
    }
  });
});
