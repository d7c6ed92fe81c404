import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { customerRecordInput, parseOrThrow, ValidationError } from '@tandem/schema';
import { ActivityEntity, applyCustomerRecord, DeterministicIdentityResolver, grantSharing, issueApiKey, revokeApiKey, upsertParty, type Em, type Orm } from '@tandem/core';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';
import { TokenService, type SigningKeys } from '../src/auth/token.service.js';
import { loadConfig, redactConfig } from '../src/config/config.js';
import { createTokenService } from '../src/runtime/signing-keys.js';
import { registerApiKeyCommand } from '../src/cli/api-key.command.js';
import { schema } from '../src/graphql/schema.js';
import { startGateway, testSecret } from './support.js';

const issuer = 'tandem';
const dealer = { subject: 'anna', party: 'dealer-berlin', role: 'dealer_staff' } as const;
/** A verified token's principal: the token's claims and its expiry. */
const verifiedDealer = { ...dealer, expiresAt: expect.any(Number) };
const oldSecret = 'the-secret-before-the-last-rotation-0123456789';
const olderSecret = 'a-secret-rotated-out-long-ago-and-removed-0123456789';

function ecKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

function rsaKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

const secret = (value: string): SigningKeys => ({ kind: 'secret', secret: value });

describe('TokenService key rotation', () => {
  it('accepts tokens of a previous secret after rotation, and rejects them once the secret is removed', async () => {
    const before = await TokenService.create(secret(oldSecret), issuer);
    const token = await before.issue(dealer);
    const rotated = await TokenService.create(secret(testSecret), issuer, { previousKeys: [secret(oldSecret)] });
    expect(await rotated.verify(token)).toEqual(verifiedDealer);
    expect(decodeProtectedHeader(await rotated.issue(dealer)).kid).not.toBe(decodeProtectedHeader(token).kid);
    const removed = await TokenService.create(secret(testSecret), issuer, { previousKeys: [secret(olderSecret)] });
    await expect(removed.verify(token)).rejects.toMatchObject({ category: 'UNAUTHENTICATED', code: 'TOKEN_UNKNOWN_KEY' });
  });

  it('moves from a secret to an ES256 key pair and from RS256 to ES256 without logging anyone out', async () => {
    const rsa = rsaKeyPair();
    const ec = ecKeyPair();
    const hsToken = await (await TokenService.create(secret(oldSecret), issuer)).issue(dealer);
    const rsToken = await (await TokenService.create({ kind: 'pem', algorithm: 'RS256', ...rsa }, issuer)).issue(dealer);
    const current = await TokenService.create({ kind: 'pem', algorithm: 'ES256', ...ec }, issuer, {
      previousKeys: [secret(oldSecret), { kind: 'pem', algorithm: 'RS256', publicKeyPem: rsa.publicKeyPem }],
    });
    expect(await current.verify(hsToken)).toEqual(verifiedDealer);
    expect(await current.verify(rsToken)).toEqual(verifiedDealer);
    const esToken = await current.issue(dealer);
    expect(decodeProtectedHeader(esToken).alg).toBe('ES256');
    // A hub holding only public keys verifies but cannot issue.
    const verifier = await TokenService.create({ kind: 'pem', algorithm: 'ES256', publicKeyPem: ec.publicKeyPem }, issuer);
    expect(await verifier.verify(esToken)).toEqual(verifiedDealer);
    await expect(verifier.issue(dealer)).rejects.toMatchObject({ code: 'NO_SIGNING_KEY' });
  });

  it('rejects a token that names an accepted kid but is signed with another key', async () => {
    const current = await TokenService.create(secret(testSecret), issuer, { previousKeys: [secret(oldSecret)] });
    const kid = decodeProtectedHeader(await current.issue(dealer)).kid!;
    const forged = await new SignJWT({ party: 'dealer-berlin', role: 'admin' })
      .setProtectedHeader({ alg: 'HS256', kid })
      .setSubject('mallory')
      .setIssuer(issuer)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(olderSecret));
    await expect(current.verify(forged)).rejects.toMatchObject({ code: 'TOKEN_SIGNATURE_INVALID' });
  });

  it('never verifies an HS256 token keyed with an accepted public key (algorithm confusion)', async () => {
    const ec = ecKeyPair();
    const current = await TokenService.create({ kind: 'pem', algorithm: 'ES256', ...ec }, issuer);
    const kid = decodeProtectedHeader(await current.issue(dealer)).kid!;
    const confused = await new SignJWT({ party: 'dealer-berlin', role: 'admin' })
      .setProtectedHeader({ alg: 'HS256', kid })
      .setSubject('mallory')
      .setIssuer(issuer)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(ec.publicKeyPem));
    await expect(current.verify(confused)).rejects.toMatchObject({ category: 'UNAUTHENTICATED', code: 'TOKEN_INVALID' });
  });

  it('says why a token without kid, a malformed token, an expired or a tampered token is refused', async () => {
    const current = await TokenService.create(secret(testSecret), issuer);
    const noKid = await new SignJWT({ party: 'dealer-berlin', role: 'dealer_staff' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('anna')
      .setIssuer(issuer)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(testSecret));
    await expect(current.verify(noKid)).rejects.toMatchObject({ code: 'TOKEN_UNKNOWN_KEY', message: 'token names no signing key (kid)' });
    await expect(current.verify('not-a-token')).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    await expect(current.verify(await current.issue(dealer, { expiresIn: '-1s' }))).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    const token = await current.issue(dealer);
    await expect(current.verify(`${token.slice(0, -4)}AAAA`)).rejects.toMatchObject({ code: 'TOKEN_SIGNATURE_INVALID' });
  });

  it('refuses a token it verified before once the token has expired', async () => {
    const current = await TokenService.create(secret(testSecret), issuer);
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-05-04T10:00:00Z') });
    try {
      const token = await current.issue(dealer, { expiresIn: '60s' });
      expect(await current.verify(token)).toEqual({ ...dealer, expiresAt: Date.parse('2026-05-04T10:01:00Z') / 1000 });
      vi.setSystemTime(new Date('2026-05-04T10:00:59Z'));
      const remembered = await current.verify(token);
      expect(remembered).toEqual(verifiedDealer);
      // Shared by every request with this token: no request can change it for the next.
      expect(Object.isFrozen(remembered)).toBe(true);
      vi.setSystemTime(new Date('2026-05-04T10:01:00Z'));
      await expect(current.verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
      await expect(current.verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('rotation configuration', () => {
  it('reads previous secrets and previous public key files, and keeps the secrets out of logs', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tandem-keys-'));
    const rsa = rsaKeyPair();
    const ec = ecKeyPair();
    writeFileSync(join(folder, 'old-rsa.pub.pem'), rsa.publicKeyPem);
    writeFileSync(join(folder, 'ec.pub.pem'), ec.publicKeyPem);
    writeFileSync(join(folder, 'ec.pem'), ec.privateKeyPem);
    const config = loadConfig({
      TANDEM_JWT_PUBLIC_KEY_FILE: join(folder, 'ec.pub.pem'),
      TANDEM_JWT_PRIVATE_KEY_FILE: join(folder, 'ec.pem'),
      TANDEM_JWT_PREVIOUS_SECRETS: ` ${oldSecret}, ${olderSecret} `,
      TANDEM_JWT_PREVIOUS_PUBLIC_KEY_FILES: join(folder, 'old-rsa.pub.pem'),
    });
    expect(config.TANDEM_JWT_PREVIOUS_SECRETS).toEqual([oldSecret, olderSecret]);
    expect(JSON.stringify(redactConfig(config))).not.toContain(oldSecret);
    const tokens = await createTokenService(config);
    for (const previous of [secret(oldSecret), secret(olderSecret), { kind: 'pem', algorithm: 'RS256', ...rsa } as const]) {
      expect(await tokens.verify(await (await TokenService.create(previous, issuer)).issue(dealer))).toEqual(verifiedDealer);
    }
    expect(decodeProtectedHeader(await tokens.issue(dealer)).alg).toBe('ES256');
  });

  it('rejects a previous secret shorter than 32 characters, naming the variable', () => {
    expect(() => loadConfig({ TANDEM_JWT_PREVIOUS_SECRETS: `${oldSecret},short` })).toThrow(ValidationError);
    try {
      loadConfig({ TANDEM_JWT_PREVIOUS_SECRETS: `${oldSecret},short` });
    } catch (error) {
      expect((error as ValidationError).issues).toEqual([{ path: 'TANDEM_JWT_PREVIOUS_SECRETS', message: 'each secret must be at least 32 characters' }]);
      expect((error as ValidationError).message).not.toContain('short,');
    }
  });
});

const customerQuery = /* GraphQL */ `
  query Customer($id: ID!) {
    customer(id: $id) { id displayName phones { value } }
  }
`;

describe.each(testDialects())('credentials over HTTP on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let customerId: string;
  const em = () => orm.em.fork() as Em;

  /** POSTs a GraphQL operation with exactly these headers. */
  async function post(headers: Record<string, string>, query = customerQuery, variables: Record<string, unknown> = { id: customerId }) {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as { data?: any; errors?: any[] } };
  }

  function expectRefused(result: { status: number; body: { data?: any; errors?: any[] } }, reason: string, message?: string) {
    expect(result.status).toBe(401);
    expect(result.body.data ?? null).toBeNull();
    expect(JSON.stringify(result.body)).not.toContain('Weiß');
    expect(result.body.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED', reason }, ...(message ? { message } : {}) });
  }

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    await upsertParty(em(), { id: 'dealer-berlin', kind: 'dealer', name: 'Autohaus Köpenick', country: 'DE', timeZone: 'Europe/Berlin' });
    const input = parseOrThrow(customerRecordInput('DE'), { externalId: 'DMS-1', givenName: 'Jürgen', familyName: 'Weiß', phones: [{ value: '0151 23456789' }] });
    ({ customerId } = await em().transactional((tx) => applyCustomerRecord(tx as Em, new DeterministicIdentityResolver(), 'dealer-berlin', input, new Date())));
    const tokens = await TokenService.create(secret(testSecret), issuer, { previousKeys: [secret(oldSecret)] });
    gateway = await startGateway(orm, { tokens });
  });
  afterAll(async () => {
    await gateway.close();
    await close();
  });

  it('serves a token signed with the previous key, and refuses one signed with a rotated-out key', async () => {
    const previous = await (await TokenService.create(secret(oldSecret), issuer)).issue(dealer);
    const accepted = await post({ authorization: `Bearer ${previous}` });
    expect(accepted.body).toEqual({ data: { customer: { id: customerId, displayName: 'Jürgen Weiß', phones: [{ value: '+4915123456789' }] } } });
    const rotatedOut = await (await TokenService.create(secret(olderSecret), issuer)).issue(dealer);
    expectRefused(await post({ authorization: `Bearer ${rotatedOut}` }), 'TOKEN_UNKNOWN_KEY');
  });

  it('refuses expired and tampered tokens with 401 and no data', async () => {
    expectRefused(await post({ authorization: `Bearer ${await gateway.tokens.issue(dealer, { expiresIn: '-1s' })}` }), 'TOKEN_EXPIRED', 'token has expired');
    const token = await gateway.tokens.issue(dealer);
    expectRefused(await post({ authorization: `Bearer ${token.slice(0, -4)}AAAA` }), 'TOKEN_SIGNATURE_INVALID', 'token signature is invalid');
    expectRefused(await post({ authorization: 'Basic YW5uYTpzZWNyZXQ=' }), 'BAD_AUTHORIZATION_HEADER');
  });

  it('accepts an API key in X-Api-Key, "Authorization: ApiKey" and "Authorization: Bearer"', async () => {
    const { key } = await issueApiKey(em(), { party: 'dealer-berlin', scopes: ['read'], label: 'dms-sync' });
    for (const headers of [{ 'x-api-key': key }, { authorization: `ApiKey ${key}` }, { authorization: `Bearer ${key}` }] as Record<string, string>[]) {
      const { status, body } = await post(headers);
      expect([status, body.data?.customer?.displayName], JSON.stringify(headers)).toEqual([200, 'Jürgen Weiß']);
    }
    expectRefused(await post({ 'x-api-key': key, authorization: `Bearer ${await gateway.tokens.issue(dealer)}` }), 'AMBIGUOUS_CREDENTIALS');
  });

  it('refuses a revoked, unknown or malformed API key with 401, the reason and no data', async () => {
    const issued = await issueApiKey(em(), { party: 'dealer-berlin', scopes: ['read', 'write'] });
    expect((await post({ 'x-api-key': issued.key })).body.data.customer.id).toBe(customerId);
    await revokeApiKey(em(), issued.id);
    expectRefused(await post({ 'x-api-key': issued.key }), 'API_KEY_REVOKED', `API key ${issued.prefix} was revoked`);
    expectRefused(await post({ 'x-api-key': `tdm_${issued.prefix}_${'x'.repeat(43)}` }), 'API_KEY_UNKNOWN', 'API key is not valid');
    expectRefused(await post({ authorization: 'ApiKey tdm_123' }), 'API_KEY_MALFORMED');
  });

  it('denies queries to a key without the read scope, naming the scope, with no data', async () => {
    const { key } = await issueApiKey(em(), { party: 'dealer-berlin', scopes: ['webhook'] });
    const { status, body } = await post({ 'x-api-key': key });
    expect(status).toBe(200);
    expect(body.data?.customer ?? null).toBeNull();
    expect(body.errors?.[0]).toMatchObject({ message: 'this credential lacks the read scope', extensions: { code: 'FORBIDDEN', reason: 'INSUFFICIENT_SCOPE' } });
    const parties = await post({ 'x-api-key': key }, '{ parties { id } viewerParty { id } }', {});
    expect(parties.body.data ?? null).toBeNull();
    expect(parties.body.errors?.every((error) => error.extensions.reason === 'INSUFFICIENT_SCOPE')).toBe(true);
  });

  it('refuses a contact recorded with a read-only key and records nothing; a read-write key records it', async () => {
    const mutation = /* GraphQL */ `
      mutation Record($input: RecordActivityInput!) { recordActivity(input: $input) { id subject } }
    `;
    const input = (externalId: string) => ({ input: { externalId, customerExternalId: 'DMS-1', channel: 'phone', direction: 'inbound', occurredAt: '2026-05-01T10:00:00Z', subject: 'Rückruf' } });
    const readOnly = await issueApiKey(em(), { party: 'dealer-berlin', scopes: ['read'] });
    const refused = await post({ 'x-api-key': readOnly.key }, mutation, input('CALL-RO'));
    expect(refused.body.data ?? null).toBeNull();
    expect(refused.body.errors?.[0]).toMatchObject({ message: 'this credential lacks the write scope', extensions: { code: 'FORBIDDEN', reason: 'INSUFFICIENT_SCOPE' } });
    expect(await em().count(ActivityEntity, { party: 'dealer-berlin', externalId: 'CALL-RO' })).toBe(0);
    const readWrite = await issueApiKey(em(), { party: 'dealer-berlin', scopes: ['read', 'write'], label: 'dms-sync' });
    const recorded = await post({ 'x-api-key': readWrite.key }, mutation, input('CALL-RW'));
    expect(recorded.body.errors).toBeUndefined();
    expect(recorded.body.data.recordActivity.subject).toBe('Rückruf');
    expect(await em().count(ActivityEntity, { party: 'dealer-berlin', externalId: 'CALL-RW' })).toBe(1);
  });

  it("scopes an interaction center's key to the client it acts for: that client's shared customers, nothing of another client's", async () => {
    await upsertParty(em(), { id: 'insurer', kind: 'manufacturer', name: 'Baltic Insurance', country: 'LV', timeZone: 'Europe/Riga' });
    await upsertParty(em(), { id: 'ic-riga', kind: 'interaction_center', name: 'Baltic Contact SIA', country: 'LV', timeZone: 'Europe/Riga', clients: ['dealer-berlin', 'insurer'] });
    await grantSharing(em(), { grantor: 'dealer-berlin', grantee: 'ic-riga', dataClasses: ['identity', 'contact'], purpose: 'service', validFrom: '2020-01-01T00:00:00Z' });
    const forDealer = await issueApiKey(em(), { party: 'ic-riga', scopes: ['read'], actingFor: 'dealer-berlin', label: 'ccaas' });
    const forInsurer = await issueApiKey(em(), { party: 'ic-riga', scopes: ['read'], actingFor: 'insurer', label: 'ccaas' });
    expect(forDealer.actingFor).toBe('dealer-berlin');
    expect((await post({ 'x-api-key': forDealer.key })).body.data.customer).toEqual({ id: customerId, displayName: 'Jürgen Weiß', phones: [{ value: '+4915123456789' }] });
    const other = await post({ 'x-api-key': forInsurer.key });
    expect(JSON.stringify(other.body)).not.toContain('Weiß');
    expect(other.body.data?.customer ?? null).toBeNull();
  });

  it("refuses to issue a reading or writing key of an interaction center without its client, or a client it does not serve, or acting-for on another party's key", async () => {
    await expect(issueApiKey(em(), { party: 'ic-riga', scopes: ['read', 'write'] })).rejects.toMatchObject({
      code: 'ACTING_FOR_REQUIRED',
      issues: [{ path: 'actingFor', message: 'ic-riga is an interaction center: say which client it acts for' }],
    });
    await expect(issueApiKey(em(), { party: 'ic-riga', scopes: ['read'], actingFor: 'oem' })).rejects.toMatchObject({
      code: 'NOT_A_CLIENT',
      issues: [{ path: 'actingFor', message: 'oem is not a client of ic-riga' }],
    });
    await expect(issueApiKey(em(), { party: 'dealer-berlin', scopes: ['read'], actingFor: 'insurer' })).rejects.toMatchObject({
      code: 'ACTING_FOR_NOT_ALLOWED',
      issues: [{ path: 'actingFor', message: 'only interaction centers act for a client; dealer-berlin is a dealer' }],
    });
    // Webhook-only: the center's inbound events name their client per event.
    expect((await issueApiKey(em(), { party: 'ic-riga', scopes: ['webhook'] })).actingFor).toBeNull();
  });

  it('denies every mutation to a key without the write scope, before its resolver runs', async () => {
    const mutations = Object.values(schema.getMutationType()?.getFields() ?? {});
    expect(mutations.length).toBeGreaterThan(0);
    // Scope-auth runs before the resolver and reads only the principal, so each mutation's wrapped
    // resolver is invoked directly (no arguments to invent, no context beyond the principal) with a
    // read-only connector principal. A mutation that escapes the `write` scope fails here.
    const context = { principal: { subject: 'ro', party: 'dealer-berlin', role: 'integration', scopes: ['read'] } };
    for (const field of mutations) {
      const resolve = field.resolve!;
      await expect(
        Promise.resolve().then(() => resolve({}, {}, context, { fieldName: field.name, parentType: schema.getMutationType(), path: { key: field.name, prev: undefined }, operation: { operation: 'mutation' } } as never)),
        field.name,
      ).rejects.toMatchObject({ category: 'FORBIDDEN', code: 'INSUFFICIENT_SCOPE' });
    }
  });
});

describe.each(testDialects())('tandem api-key on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    await upsertParty(orm.em.fork() as Em, { id: 'dealer-berlin', kind: 'dealer', name: 'Autohaus Köpenick', country: 'DE', timeZone: 'Europe/Berlin' });
  });
  afterAll(async () => close());

  async function run(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const program = new Command('tandem').exitOverride().configureOutput({ writeErr: (text) => void (stderr += text) });
    registerApiKeyCommand(program, {
      openHub: async () => ({ orm, close: async () => undefined }),
      stdout: { write: (text: string) => ((stdout += text), true) } as NodeJS.WritableStream,
      stderr: { write: (text: string) => ((stderr += text), true) } as NodeJS.WritableStream,
    });
    await program.parseAsync(['api-key', ...args], { from: 'user' });
    return { stdout, stderr };
  }

  it('issues a key once, lists it without the secret, and revokes it', async () => {
    const issued = await run('issue', '--party', 'dealer-berlin', '--scopes', 'read,write', '--label', 'dms-sync');
    const key = issued.stdout.trim();
    expect(key).toMatch(/^tdm_[0-9a-f]{12}_\S{43}$/);
    expect(issued.stderr).toMatch(/^issued API key \S+ for dealer-berlin \(scopes read,write\): store it now, it is not shown again\n$/);
    const id = /issued API key (\S+)/.exec(issued.stderr)![1]!;
    const prefix = key.split('_')[1]!;
    const listed = (await run('list', '--party', 'dealer-berlin')).stdout;
    expect(listed).toContain(`${id}  tdm_${prefix}_…  read,write  -  dms-sync`);
    expect(listed).toContain('active');
    expect(listed).not.toContain(key.slice(`tdm_${prefix}_`.length));
    expect((await run('revoke', id)).stdout).toMatch(new RegExp(`^revoked ${id} .* revoked \\d{4}-`));
    expect((await run('list', '--party', 'dealer-berlin')).stdout).not.toContain('active');
  });

  it('refuses unknown scopes before touching the database', async () => {
    await expect(run('issue', '--party', 'dealer-berlin', '--scopes', 'read,admin')).rejects.toMatchObject({ code: 'commander.invalidArgument' });
  });
});
