import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { AccessAuditEntryEntity, AccessAuditor, AccessScope, AccessTrail, listAccessAudit, type AccessRead, type Em, type Orm } from '@tandem/core';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';

function read(customerId: string, extra: Partial<AccessRead> = {}): AccessRead {
  return {
    principal: 'anna',
    role: 'dealer_staff',
    party: 'dealer-berlin',
    requestId: uuidv7(),
    at: new Date(),
    customerId,
    dataClasses: ['identity'],
    agreementIds: [],
    grantors: [],
    ...extra,
  };
}

describe('AccessTrail', () => {
  it('keeps one read per customer with the classes and the agreements (and their grantors) used', () => {
    const scope = AccessScope.fromAgreements(
      { party: 'dealer-berlin' },
      [{ id: 'agr-1', grantor: 'oem', grantee: 'dealer-berlin', dataClasses: ['identity', 'activities'], purpose: 'service', validFrom: new Date(0), validUntil: null, revokedAt: null, createdAt: new Date(0) }],
      new Date(),
    );
    const trail = new AccessTrail({ principal: 'anna', role: 'dealer_staff', party: 'dealer-berlin', requestId: 'r-1' });
    trail.note('c-1', 'identity', 'dealer-berlin', { kind: 'own' });
    trail.note('c-1', 'activities', 'oem', scope.grantFor('oem', 'activities')!);
    trail.note('c-1', 'identity', 'oem', scope.grantFor('oem', 'identity')!);
    expect(trail.drain(new Date(0))).toEqual([
      { principal: 'anna', role: 'dealer_staff', party: 'dealer-berlin', requestId: 'r-1', at: new Date(0), customerId: 'c-1', dataClasses: ['activities', 'identity'], agreementIds: ['agr-1'], grantors: ['oem'] },
    ]);
    expect(trail.drain()).toEqual([]);
  });
});

describe.each(testDialects())('AccessAuditor on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  let inserts = 0;
  const fork = () => orm.em.fork() as Em;

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    (orm.em as Em).getKnex().on('query', (query: { sql: string }) => {
      if (/^insert into .access_audit./i.test(query.sql)) inserts += 1;
    });
  });
  afterAll(() => close());

  it('buffers reads and writes them in one multi-row insert on flush', async () => {
    const auditor = new AccessAuditor(orm, { maxBatch: 100, flushIntervalMs: 60_000 });
    const customer = uuidv7();
    const before = inserts;
    auditor.record(Array.from({ length: 7 }, () => read(customer)));
    expect(auditor.buffered).toBe(7);
    expect(await fork().count(AccessAuditEntryEntity, { customer })).toBe(0);
    await auditor.flush();
    expect(await fork().count(AccessAuditEntryEntity, { customer })).toBe(7);
    expect(inserts - before).toBe(1);
    await auditor.close();
  });

  it('flushes by itself at maxBatch entries and after flushIntervalMs, and writes the rest on close', async () => {
    const customer = uuidv7();
    const full = new AccessAuditor(orm, { maxBatch: 3, flushIntervalMs: 60_000 });
    full.record([read(customer), read(customer), read(customer), read(customer)]);
    await vi.waitFor(async () => expect(await fork().count(AccessAuditEntryEntity, { customer })).toBe(4));
    full.record([read(customer)]);
    await full.close();
    expect(await fork().count(AccessAuditEntryEntity, { customer })).toBe(5);

    const timed = new AccessAuditor(orm, { maxBatch: 100, flushIntervalMs: 10 });
    timed.record([read(customer)]);
    await vi.waitFor(async () => expect(await fork().count(AccessAuditEntryEntity, { customer })).toBe(6));
    await timed.close();
  });

  it("lists a customer's reads for a party's dpo: its own reads and reads of data it granted, newest first", async () => {
    const customer = uuidv7();
    const auditor = new AccessAuditor(orm);
    auditor.record([
      read(customer, { at: new Date('2026-01-01T00:00:00Z'), party: 'dealer-berlin' }),
      read(customer, { at: new Date('2026-01-02T00:00:00Z'), party: 'ic-riga', actingFor: 'oem', agreementIds: ['agr-9'], grantors: ['oem'] }),
      read(customer, { at: new Date('2026-01-03T00:00:00Z'), party: 'dealer-munich', agreementIds: ['agr-7'], grantors: ['dealer-munich-group'] }),
    ]);
    await auditor.close();
    const oem = await listAccessAudit(fork(), 'oem', customer, { first: 10 });
    expect(oem.entries.map((entry) => [entry.party, entry.actingFor, entry.agreementIds])).toEqual([['ic-riga', 'oem', ['agr-9']]]);
    const berlin = await listAccessAudit(fork(), 'dealer-berlin', customer, { first: 10 });
    expect(berlin.entries.map((entry) => entry.party)).toEqual(['dealer-berlin']);
    // `dealer-munich` must not match `dealer-munich-group` nor the reverse: party ids are matched whole.
    expect((await listAccessAudit(fork(), 'dealer-munich', customer, { first: 10 })).entries.map((entry) => entry.party)).toEqual(['dealer-munich']);
    expect((await listAccessAudit(fork(), 'dealer-munich-group', customer, { first: 10 })).entries.map((entry) => entry.party)).toEqual(['dealer-munich']);
  });
});
