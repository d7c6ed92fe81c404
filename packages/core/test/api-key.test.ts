import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyEntity, issueApiKey, listApiKeys, revokeApiKey, upsertParty, verifyApiKey, type Em, type Orm } from '@tandem/core';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';

describe.each(testDialects())('API keys on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  const em = () => orm.em.fork() as Em;

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    await upsertParty(em(), { id: 'dealer-berlin', kind: 'dealer', name: 'Autohaus Köpenick', country: 'DE', timeZone: 'Europe/Berlin' });
  });
  afterAll(async () => close());

  it('returns the plaintext once and stores only the prefix and a hash', async () => {
    const issued = await issueApiKey(em(), { party: 'dealer-berlin', scopes: ['read', 'write'], label: 'dms-sync' });
    expect(issued.key).toMatch(/^tdm_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(issued.key.startsWith(`tdm_${issued.prefix}_`)).toBe(true);
    const row = await em().findOneOrFail(ApiKeyEntity, { id: issued.id });
    expect(JSON.stringify(row)).not.toContain(issued.key.slice(`tdm_${issued.prefix}_`.length));
    expect(row.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifyApiKey(em(), issued.key)).toMatchObject({ id: issued.id, party: 'dealer-berlin', scopes: ['read', 'write'], label: 'dms-sync', revokedAt: null });
  });

  it('lists a party\'s keys without secrets or hashes', async () => {
    const listed = await listApiKeys(em(), 'dealer-berlin');
    expect(listed.length).toBeGreaterThan(0);
    for (const key of listed) expect(Object.keys(key).sort()).toEqual(['actingFor', 'createdAt', 'id', 'label', 'party', 'prefix', 'revokedAt', 'scopes']);
    expect(await listApiKeys(em(), 'nobody')).toEqual([]);
  });

  it('rejects a wrong secret for a known prefix, a malformed key and a revoked key, each with its reason', async () => {
    const issued = await issueApiKey(em(), { party: 'dealer-berlin', scopes: ['read'] });
    const wrongSecret = `tdm_${issued.prefix}_${'A'.repeat(43)}`;
    await expect(verifyApiKey(em(), wrongSecret)).rejects.toMatchObject({ category: 'UNAUTHENTICATED', code: 'API_KEY_UNKNOWN' });
    await expect(verifyApiKey(em(), 'tdm_nonsense')).rejects.toMatchObject({ category: 'UNAUTHENTICATED', code: 'API_KEY_MALFORMED' });
    const revokedAt = new Date('2026-05-01T00:00:00Z');
    expect((await revokeApiKey(em(), issued.id, revokedAt)).revokedAt).toEqual(revokedAt);
    await expect(verifyApiKey(em(), issued.key)).rejects.toMatchObject({ category: 'UNAUTHENTICATED', code: 'API_KEY_REVOKED' });
    // Revoking again keeps the first instant.
    expect((await revokeApiKey(em(), issued.id)).revokedAt).toEqual(revokedAt);
    await expect(verifyApiKey(em(), wrongSecret)).rejects.toMatchObject({ code: 'API_KEY_UNKNOWN' });
  });

  it('refuses an unknown party, no scopes or an unknown scope, and an unknown id to revoke', async () => {
    await expect(issueApiKey(em(), { party: 'dealer-nowhere', scopes: ['read'] })).rejects.toMatchObject({ code: 'UNKNOWN_PARTY', issues: [{ path: 'party' }] });
    await expect(issueApiKey(em(), { party: 'dealer-berlin', scopes: [] })).rejects.toMatchObject({ code: 'INVALID_API_KEY', issues: [{ path: 'scopes' }] });
    await expect(issueApiKey(em(), { party: 'dealer-berlin', scopes: ['admin' as 'read'] })).rejects.toMatchObject({ code: 'INVALID_API_KEY' });
    await expect(revokeApiKey(em(), '00000000-0000-7000-8000-000000000000')).rejects.toMatchObject({ category: 'NOT_FOUND' });
    await expect(revokeApiKey(em(), 'not-a-uuid')).rejects.toMatchObject({ category: 'NOT_FOUND' });
  });
});
