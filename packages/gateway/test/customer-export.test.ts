import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerRecordInput, parseOrThrow, type CustomerRecordInput } from '@tandem/schema';
import { AccessAuditEntryEntity, AccessAuditor, applyCustomerRecordsBatch, DeterministicIdentityResolver, type Em, type Orm } from '@tandem/core';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';
import type { Principal } from '../src/auth/principal.js';
import { registerPartnerWorld, startGateway } from './support.js';

const resolver = new DeterministicIdentityResolver();
/** More than two pages of the export (500 each). */
const berlinCustomers = 1_150;
const at = new Date('2026-05-01T10:00:00Z');

const insurerConnector: Principal = { subject: 'insurer-sync', party: 'insurer', role: 'integration' };

describe.each(testDialects())('customer export on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let auditor: AccessAuditor;

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    await registerPartnerWorld(orm.em.fork() as Em);
    const apply = (party: string, inputs: CustomerRecordInput[]) =>
      applyCustomerRecordsBatch(orm.em.fork() as Em, resolver, party, inputs.map((input) => ({ record: parseOrThrow(customerRecordInput('DE'), input), at })));
    await apply('dealer-berlin', Array.from({ length: berlinCustomers }, (_, index) => ({
      externalId: `B-${index}`, givenName: 'Karla', familyName: `Kunde ${index}`, phones: [{ value: `+49 151 ${String(20_000_000 + index)}` }],
    })));
    // The manufacturer's customer of its own, and its record of Berlin's first customer with a phone of its own.
    await apply('oem', [
      { externalId: 'O-1', givenName: 'Otto', familyName: 'Nurhersteller', phones: [{ value: '+49 160 1111111' }] },
      { externalId: 'O-2', givenName: 'Karla', familyName: 'Kunde 0', phones: [{ value: '+49 151 20000000' }, { value: '+49 170 9999999' }] },
    ]);
    auditor = new AccessAuditor(orm);
    gateway = await startGateway(orm, { auditor, hardening: { rateLimits: { exports: [{ points: 3, durationSeconds: 3600 }] } } });
  }, 120_000);
  afterAll(async () => {
    await gateway.close();
    await auditor.close();
    await close();
  });

  async function exportAs(as: Principal | undefined, query = '') {
    const token = as ? await gateway.tokens.issue(as) : undefined;
    const response = await fetch(`${gateway.url}/export/customers${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const text = await response.text();
    if (response.status !== 200) return { status: response.status, headers: response.headers, error: JSON.parse(text) as { error: { code: string; message: string; issues?: unknown[] } } };
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
    return { status: response.status, headers: response.headers, customers: lines.slice(0, -1), last: lines.at(-1)! };
  }

  it("streams every customer a grantee may see, in id order, as the API shows them, and only that", async () => {
    const result = await exportAs(insurerConnector);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const ids = result.customers!.map((customer) => customer.id as string);
    expect(ids).toHaveLength(berlinCustomers);
    expect([...ids].sort()).toEqual(ids);
    expect(result.last).toEqual({ end: { customers: berlinCustomers, last: ids.at(-1) } });
    const text = JSON.stringify(result.customers);
    // Nothing of the manufacturer's: neither its own customer nor its phones of the shared one.
    expect(text).not.toContain('Nurhersteller');
    expect(text).not.toContain('+491709999999');
    expect(text).not.toContain('"party":"oem"');
    const shared = result.customers!.find((customer) => customer.familyName === 'Kunde 0');
    expect(shared).toMatchObject({
      kind: 'person',
      givenName: 'Karla',
      phones: [{ value: '+4915120000000', label: 'other', source: { party: 'dealer-berlin', onBehalfOf: null } }],
      sources: [{ party: 'dealer-berlin', externalId: 'B-0', onBehalfOf: null }],
    });
  });

  it('resumes after the last customer id received', async () => {
    const all = (await exportAs({ ...insurerConnector, subject: 'insurer-resume' })).customers!.map((customer) => customer.id as string);
    const rest = await exportAs({ ...insurerConnector, subject: 'insurer-resume' }, `?after=${all[599]}`);
    expect(rest.customers!.map((customer) => customer.id)).toEqual(all.slice(600));
    expect(rest.last).toEqual({ end: { customers: all.length - 600, last: all.at(-1) } });
  });

  it('gives an interaction center only what the client it acts for shares, and expired or absent agreements nothing', async () => {
    const forOem = await exportAs({ subject: 'nordic-lead', party: 'ic-nordic', role: 'manager', actingFor: 'oem' });
    expect(forOem.customers!.map((customer) => customer.familyName).sort()).toEqual(['Kunde 0', 'Nurhersteller']);
    expect(JSON.stringify(forOem.customers)).not.toContain('dealer-berlin');
    for (const principal of [
      { subject: 'nordic-lead', party: 'ic-nordic', role: 'manager', actingFor: 'insurer' },
      { subject: 'expired-sync', party: 'dealer-expired', role: 'integration' },
      { subject: 'hamburg-sync', party: 'dealer-hamburg', role: 'integration' },
    ] satisfies Principal[]) {
      const result = await exportAs(principal);
      expect(result.customers).toEqual([]);
      expect(result.last).toEqual({ end: { customers: 0, last: null } });
    }
  });

  it('records every exported customer in the access audit', async () => {
    await auditor.flush();
    const entries = await (orm.em.fork() as Em).find(AccessAuditEntryEntity, { principal: insurerConnector.subject });
    expect(entries).toHaveLength(berlinCustomers);
    expect(entries.every((entry) => entry.party === 'insurer' && entry.dataClasses.includes('identity') && entry.dataClasses.includes('contact'))).toBe(true);
  });

  it('ends with an error line naming where to resume when the export fails after it started', async () => {
    // The database fails under the export once the answer has begun: a driver error on the first page's views.
    const connection = (orm.em.fork() as Em).getConnection();
    await connection.execute('alter table contact_point rename to contact_point_gone');
    try {
      const result = await exportAs({ ...insurerConnector, subject: 'insurer-broken' });
      expect(result.status).toBe(200);
      expect(result.customers).toEqual([]);
      expect(result.last).toEqual({ error: { code: 'INTERNAL', message: 'The export stopped; resume it with after= the last customer id received.' } });
      expect(JSON.stringify(result.last)).not.toContain('contact_point');
    } finally {
      await connection.execute('alter table contact_point_gone rename to contact_point');
    }
  });

  it('refuses callers without credentials, roles at a screen, bad resume points and a caller over its budget, naming the reason', async () => {
    expect(await exportAs(undefined)).toMatchObject({ status: 401, error: { error: { code: 'AUTHENTICATION_REQUIRED' } } });
    const agent = await exportAs({ subject: 'ilze', party: 'ic-nordic', role: 'agent', actingFor: 'oem' });
    expect(agent).toMatchObject({ status: 403, error: { error: { code: 'ROLE_MAY_NOT_EXPORT' } } });
    expect(agent.error!.error.message).toContain('integration, manager, admin');
    const bad = await exportAs(insurerConnector, '?after=B-12');
    expect(bad).toMatchObject({ status: 400, error: { error: { code: 'VALIDATION_FAILED', issues: [{ path: 'after' }] } } });
    const greedy: Principal = { subject: 'insurer-greedy', party: 'insurer', role: 'integration' };
    for (let run = 0; run < 3; run += 1) expect((await exportAs(greedy, '?after=ffffffff-ffff-7fff-bfff-ffffffffffff')).status).toBe(200);
    const refused = await exportAs(greedy);
    expect(refused).toMatchObject({ status: 429, error: { error: { code: 'TOO_MANY_EXPORTS' } } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
