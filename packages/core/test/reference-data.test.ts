import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentationAidEntity, grantSharing, migrate, openOrm, ReferenceData, revokeSharing, upsertParty, viewerProfile, type Em, type Orm } from '@tandem/core';
import { createTestDatabase, testDialects } from '../../../tests/support/database.js';

const validFrom = '2025-01-01T00:00:00Z';

describe.each(testDialects())('reference data on %s', (dialect) => {
  let orm: Orm;
  /** A second ORM on the same database: what another process (a CLI, another gateway) writes. */
  let other: Orm;
  let drop: () => Promise<void>;
  const em = () => orm.em.fork() as Em;
  const otherEm = () => other.em.fork() as Em;

  beforeAll(async () => {
    // Two ORMs on one database: on SQLite a file (an in-memory database is one connection's own).
    let url: string;
    if (dialect === 'sqlite') {
      const dir = await mkdtemp(join(tmpdir(), 'tandem-reference-'));
      url = `file:${join(dir, 'tandem.db')}`;
      drop = () => rm(dir, { recursive: true, force: true });
    } else {
      const database = await createTestDatabase(dialect);
      url = database.url;
      drop = () => database.drop();
    }
    orm = await openOrm({ databaseUrl: url, poolSize: 2 });
    await migrate(orm);
    other = await openOrm({ databaseUrl: url, poolSize: 2 });
    await upsertParty(em(), { id: 'oem', kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin', brands: ['Nordwagen'] });
    await upsertParty(em(), { id: 'dealer-berlin', kind: 'dealer', name: 'Autohaus Köpenick', country: 'DE', timeZone: 'Europe/Berlin', brands: ['Nordwagen'] });
  });
  afterAll(async () => {
    await other.close(true);
    await orm.close(true);
    await drop();
  });

  it('keeps one snapshot while the reference tables are unchanged, and a new one after any write to them', async () => {
    const first = await ReferenceData.of(em());
    expect(await ReferenceData.of(em())).toBe(first);
    await upsertParty(otherEm(), { id: 'dealer-aarhus', kind: 'dealer', name: 'Aarhus Auto', country: 'DK', timeZone: 'Europe/Copenhagen', brands: ['Nordwagen'] });
    const second = await ReferenceData.of(em());
    expect(second).not.toBe(first);
    expect((await second.parties(em(), ['dealer-aarhus'])).map((party) => party.id)).toEqual(['dealer-aarhus']);
  });

  it("applies another process's grant and revocation to the very next profile and to the grantor's recipients", async () => {
    const grantees = async () => (await (await ReferenceData.of(em())).agreementsGrantedBy(em(), 'oem')).map((agreement) => agreement.grantee);
    const before = await viewerProfile(em(), 'dealer-berlin', undefined);
    expect(before.scope.canSee('oem', 'identity')).toBe(false);
    expect(await grantees()).toEqual([]);

    const agreement = await grantSharing(otherEm(), { grantor: 'oem', grantee: 'dealer-berlin', dataClasses: ['identity'], purpose: 'customer_care', validFrom });
    expect((await viewerProfile(em(), 'dealer-berlin', undefined)).scope.canSee('oem', 'identity')).toBe(true);
    expect(await grantees()).toEqual(['dealer-berlin']);

    await revokeSharing(otherEm(), agreement.id);
    expect((await viewerProfile(em(), 'dealer-berlin', undefined)).scope.canSee('oem', 'identity')).toBe(false);
    expect(await grantees()).toEqual([]);
  });

  it("shows a brand's new argumentation aid on the next profile", async () => {
    expect(await (await viewerProfile(em(), 'dealer-berlin', undefined)).argumentationAids()).toEqual([]);
    const writer = otherEm();
    writer.create(ArgumentationAidEntity, {
      id: randomUUID(),
      brand: 'Nordwagen',
      title: 'Greeting',
      body: 'Welcome to Nordwagen.',
      language: 'de',
      appliesTo: { vehicleModels: [], channels: [], customerKinds: [] },
      createdAt: new Date(),
    });
    await writer.flush();
    const aids = await (await viewerProfile(em(), 'dealer-berlin', undefined)).argumentationAids();
    expect(aids.map((aid) => aid.title)).toEqual(['Greeting']);
  });

  it('never keeps what a rolled-back transaction wrote', async () => {
    const rollback = new Error('roll back');
    await expect(
      em().transactional(async (tx) => {
        await upsertParty(tx, { id: 'dealer-never', kind: 'dealer', name: 'Never Committed', country: 'DE', timeZone: 'Europe/Berlin', brands: [] });
        const inside = await ReferenceData.of(tx);
        expect((await inside.parties(tx, ['dealer-never'])).map((party) => party.id)).toEqual(['dealer-never']);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    const after = await ReferenceData.of(em());
    expect(await after.parties(em(), ['dealer-never'])).toEqual([]);
    await expect(viewerProfile(em(), 'dealer-never', undefined)).rejects.toMatchObject({ code: 'UNKNOWN_PARTY' });
  });
});
