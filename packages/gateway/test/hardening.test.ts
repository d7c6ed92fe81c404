import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getIntrospectionQuery, getNamedType, isEnumType, isInputObjectType, isLeafType, parse, validate, type GraphQLEnumType } from 'graphql';
import { applyCustomerRecord, DeterministicIdentityResolver, upsertParty, type Em, type Orm } from '@tandem/core';
import { customerRecordInput, parseOrThrow } from '@tandem/schema';
import { openTestOrm } from '../../../tests/support/database.js';
import { schema } from '../src/graphql/schema.js';
import { defaultOperationLimits } from '../src/graphql/limits.js';
import { defaultRateLimits } from '../src/http/hardening/rate-limits.js';
import { csrfHeader } from '../src/http/hardening/hardening.js';
import { documentId, loadTrustedDocuments } from '../src/http/hardening/trusted-documents.js';
import { loadConfig } from '../src/config/config.js';
import type { AppDependencies } from '../src/http/app.js';
import type { Principal } from '../src/auth/principal.js';
import { startGateway } from './support.js';

type Gateway = Awaited<ReturnType<typeof startGateway>>;
interface Reply {
  status: number;
  headers: Headers;
  body: { data?: any; errors?: any[] };
}

const anna: Principal = { subject: 'anna', party: 'dealer-berlin', role: 'dealer_staff' };
const ben: Principal = { subject: 'ben', party: 'dealer-berlin', role: 'dealer_staff' };
const trusted = loadTrustedDocuments();
const idOf = (operation: string): string => {
  const found = [...trusted].find(([, document]) => document.startsWith(`query ${operation}`));
  if (!found) throw new Error(`no trusted document ${operation}`);
  return found[0];
};

/**
 * An operation whose variable holds a misspelt enum value (graphql-js then suggests the right
 * one, during variable coercion): the first root-field argument that is an enum, or an input
 * object with an enum field, whatever the schema currently has.
 */
function misspeltEnumArgument(): { query: string; variables: Record<string, unknown> } {
  for (const [keyword, root] of [['query', schema.getQueryType()], ['mutation', schema.getMutationType()]] as const) {
    for (const field of Object.values(root?.getFields() ?? {})) {
      for (const argument of field.args) {
        const type = getNamedType(argument.type);
        const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
        const query = `${keyword}($v: ${String(argument.type)}) { ${field.name}(${argument.name}: $v)${selection} }`;
        if (isEnumType(type)) return { query, variables: { v: `${type.getValues()[0]!.value}x` } };
        if (!isInputObjectType(type)) continue;
        const enumField = Object.values(type.getFields()).find((input) => isEnumType(getNamedType(input.type)));
        if (enumField) return { query, variables: { v: { [enumField.name]: `${(getNamedType(enumField.type) as GraphQLEnumType).getValues()[0]!.value}x` } } };
      }
    }
  }
  throw new Error('the schema has no enum argument to misspell');
}

describe('API hardening', () => {
  let orm: Orm;
  let close: () => Promise<void>;
  let customerId: string;
  const gateways: Gateway[] = [];

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm('sqlite'));
    const em = orm.em.fork() as Em;
    await upsertParty(em, { id: 'dealer-berlin', kind: 'dealer', name: 'Autohaus Köpenick', country: 'DE', timeZone: 'Europe/Berlin' });
    ({ customerId } = await em.transactional((tx) =>
      applyCustomerRecord(tx as Em, new DeterministicIdentityResolver(), 'dealer-berlin', parseOrThrow(customerRecordInput('DE'), { externalId: 'DMS-1', familyName: 'Weiß', phones: [{ value: '0151 23456789' }] }), new Date('2026-03-01T00:00:00Z')),
    ));
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
  });
  afterAll(async () => {
    await close();
  });

  async function gateway(overrides: Partial<AppDependencies> = {}): Promise<Gateway & { post(body: unknown, as?: Principal, headers?: Record<string, string>): Promise<Reply> }> {
    const started = await startGateway(orm, overrides);
    gateways.push(started);
    return {
      ...started,
      async post(body, as, headers = {}) {
        const token = as ? await started.tokens.issue(as) : undefined;
        const response = await fetch(`${started.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        });
        return { status: response.status, headers: response.headers, body: (await response.json()) as Reply['body'] };
      },
    };
  }

  describe('document limits (GraphQL Armor defaults), checked before authentication', () => {
    it('refuses a query nested deeper than 6 levels, naming the limit', async () => {
      const api = await gateway();
      const { status, body } = await api.post({ query: '{ customers(search: "weiss") { customers { activities { edges { node { source { party } } } } } } }' });
      expect(status).toBe(400);
      expect(body.data).toBeUndefined();
      expect(body.errors).toMatchObject([{ message: 'Query depth limit of 6 exceeded, found 7.', extensions: { code: 'BAD_USER_INPUT', reason: 'DEPTH_LIMIT', limit: 6 } }]);
    });

    it('refuses more than 15 aliases', async () => {
      const api = await gateway();
      const aliases = Array.from({ length: 16 }, (_, index) => `p${index}: viewerParty { id }`).join(' ');
      const { body } = await api.post({ query: `{ ${aliases} }` }, anna);
      expect(body.errors).toMatchObject([{ message: 'Aliases limit of 15 exceeded, found 16.', extensions: { code: 'BAD_USER_INPUT', reason: 'ALIAS_LIMIT', limit: 15 } }]);
    });

    it('refuses more than 50 directives', async () => {
      const api = await gateway();
      const { body } = await api.post({ query: `{ ${'__typename @include(if: true) '.repeat(51)}}` });
      expect(body.errors).toMatchObject([{ message: 'Directives limit of 50 exceeded, found 51.', extensions: { code: 'BAD_USER_INPUT', reason: 'DIRECTIVE_LIMIT', limit: 50 } }]);
    });

    it('refuses a document of more than 1000 tokens before parsing it all', async () => {
      const api = await gateway();
      const { status, body } = await api.post({ query: `{ ${'__typename '.repeat(1000)}}` });
      expect(status).toBe(400);
      expect(body.errors).toMatchObject([{ message: 'Token limit of 1000 exceeded.', extensions: { code: 'BAD_USER_INPUT', reason: 'TOKEN_LIMIT', limit: 1000 } }]);
    });

    it('refuses a query costing more than 5000, with page sizes as literals or as variables', async () => {
      const api = await gateway();
      const costly = { message: expect.stringMatching(/^Query Cost limit of 5000 exceeded, found \d+/), extensions: { code: 'BAD_USER_INPUT', reason: 'COST_LIMIT', limit: 5000 } };
      const literal = await api.post({ query: '{ customers(search: "weiss", first: 50) { customers { activities(first: 100) { edges { node { id subject } } } } } }' }, anna);
      expect(literal.body.errors).toMatchObject([costly]);
      const variables = await api.post(
        { query: 'query($n: Int, $m: Int = 100) { customers(search: "weiss", first: $n) { customers { activities(first: $m) { edges { node { id subject } } } } } }', variables: { n: 50 } },
        anna,
      );
      expect(variables.body).toMatchObject({ errors: [costly] });
      expect(variables.body.data).toBeUndefined();
    });

    it('prices a document again for other page sizes after accepting it for small ones', async () => {
      const api = await gateway();
      const query = 'query($n: Int, $m: Int) { customers(search: "weiss", first: $n) { customers { activities(first: $m) { edges { node { id subject } } } } } }';
      const small = { query, variables: { n: 2, m: 2 } };
      expect((await api.post(small, anna)).body.errors).toBeUndefined();
      expect((await api.post(small, anna)).body.errors).toBeUndefined();
      const large = await api.post({ query, variables: { n: 50, m: 100 } }, anna);
      expect(large.body).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT', reason: 'COST_LIMIT', limit: 5000 } }] });
      expect(large.body.data).toBeUndefined();
      // Refused twice: a refusal is never remembered as a price within the limit.
      expect((await api.post({ query, variables: { n: 50, m: 100 } }, anna)).body.data).toBeUndefined();
      expect((await api.post(small, anna)).body.errors).toBeUndefined();
    });

    it('runs every trusted document within the limits at the page size of 50 first-party clients use', async () => {
      const api = await gateway();
      for (const [id, document] of trusted) {
        expect(validate(schema, parse(document)), id).toEqual([]);
        const variables = { id: customerId, search: '0151 23456789', first: 50 };
        const { body } = await api.post({ documentId: id, variables }, anna);
        expect(body.errors, document).toBeUndefined();
      }
    });
  });

  describe('rate limits', () => {
    it('answers 429 with Retry-After once a caller used up its operations, other callers unaffected', async () => {
      const api = await gateway({ hardening: { rateLimits: { principal: [{ points: 3, durationSeconds: 60 }] } } });
      for (let request = 0; request < 3; request++) expect((await api.post({ query: '{ viewerParty { id } }' }, anna)).status).toBe(200);
      const limited = await api.post({ query: '{ viewerParty { id } }' }, anna);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(limited.body.data).toBeUndefined();
      expect(limited.body.errors).toMatchObject([
        { message: expect.stringMatching(/^Rate limit exceeded: at most 3 GraphQL operations per minute; retry in \d+ s$/), extensions: { code: 'RATE_LIMITED', reason: 'TOO_MANY_REQUESTS' } },
      ]);
      expect((await api.post({ query: '{ viewerParty { id } }' }, ben)).status).toBe(200);
    });

    it('limits callers without credentials per IP address', async () => {
      const api = await gateway({ hardening: { rateLimits: { anonymous: [{ points: 2, durationSeconds: 60 }] } } });
      await api.post({ query: '{ __typename }' });
      await api.post({ query: '{ __typename }' });
      const limited = await api.post({ query: '{ __typename }' });
      expect([limited.status, limited.body.errors?.[0].extensions.code]).toEqual([429, 'RATE_LIMITED']);
      expect((await api.post({ query: '{ __typename }' }, anna)).status).toBe(200);
    });

    it('counts caller-number lookups, not requests, against a stricter limit than other searches', async () => {
      expect(defaultRateLimits.phoneLookups[0]!.points).toBeLessThan(defaultRateLimits.principal[0]!.points);
      const api = await gateway({ hardening: { rateLimits: { principal: [{ points: 100, durationSeconds: 60 }], phoneLookups: [{ points: 2, durationSeconds: 60 }] } } });
      const search = 'query($q: String!) { customers(search: $q) { readAs customers { id } } }';
      expect((await api.post({ query: search, variables: { q: '+49 151 23456789' } }, anna)).body.data.customers).toEqual({ readAs: 'phone', customers: [{ id: customerId }] });
      // Two aliased lookups in one request count as two.
      const twice = await api.post({ query: '{ a: customers(search: "0151 23456789") { readAs } b: customers(search: "0151 99999999") { readAs } }' }, anna);
      expect(twice.status).toBe(429);
      expect(Number(twice.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(twice.body.data).toBeNull();
      expect(twice.body.errors).toMatchObject([
        { message: expect.stringMatching(/^Rate limit exceeded: at most 2 caller-number lookups per minute; retry in \d+ s$/), extensions: { code: 'RATE_LIMITED', reason: 'TOO_MANY_PHONE_LOOKUPS' } },
      ]);
      expect((await api.post({ query: search, variables: { q: '+49 151 23456789' } }, anna)).status).toBe(429);
      expect((await api.post({ query: search, variables: { q: 'weiss' } }, anna)).body.data.customers).toEqual({ readAs: 'name', customers: [{ id: customerId }] });
      expect((await api.post({ query: search, variables: { q: '+49 151 23456789' } }, ben)).status).toBe(200);
    });
  });

  describe('CSRF prevention', () => {
    it('refuses simple requests (GET, text/plain) without a preflight-forcing header', async () => {
      const api = await gateway();
      const get = await fetch(`${api.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json' } });
      expect(get.status).toBe(403);
      expect(await get.json()).toMatchObject({ errors: [{ message: 'Required CSRF header(s) not present' }] });
      const text = await fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }) });
      expect(text.status).toBe(403);
      const form = await fetch(`${api.url}/graphql`, { method: 'POST', body: new URLSearchParams({ query: '{ __typename }' }) });
      expect(form.status).toBe(403);
    });

    it('serves the same GET with the header, and JSON POSTs (always preflighted) without it', async () => {
      const api = await gateway();
      const get = await fetch(`${api.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json', [csrfHeader]: '1' } });
      expect([get.status, await get.json()]).toEqual([200, { data: { __typename: 'Query' } }]);
      expect((await api.post({ query: '{ __typename }' })).body).toEqual({ data: { __typename: 'Query' } });
    });
  });

  describe('CORS', () => {
    const preflight = (url: string, origin: string) =>
      fetch(`${url}/graphql`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });

    it('grants no cross-origin access unless origins are configured', async () => {
      const api = await gateway();
      const answer = await preflight(api.url, 'https://evil.example');
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
      const post = await api.post({ query: '{ __typename }' }, anna, { origin: 'https://evil.example' });
      expect(post.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('answers listed origins with their own origin, never with credentials, and other origins with none of theirs', async () => {
      const api = await gateway({ hardening: { corsOrigins: ['https://crm.dealer.example', 'https://agent.ic.example'] } });
      const allowed = await preflight(api.url, 'https://agent.ic.example');
      expect(allowed.status).toBeLessThan(300);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://agent.ic.example');
      expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
      expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
      const post = await api.post({ query: '{ __typename }' }, anna, { origin: 'https://crm.dealer.example' });
      expect([post.status, post.headers.get('access-control-allow-origin')]).toEqual([200, 'https://crm.dealer.example']);
      const other = await preflight(api.url, 'https://evil.example');
      expect(other.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
    });
  });

  describe('production', () => {
    it('turns introspection off', async () => {
      const production = await gateway({ production: true });
      const schemaQuery = await production.post({ query: '{ __schema { types { name } } }' }, anna);
      expect(schemaQuery.body.errors?.[0].message).toMatch(/introspection has been disabled/);
      const typeQuery = await production.post({ query: '{ __type(name: "Customer") { fields { name } } }' }, anna);
      expect(typeQuery.body.errors?.[0].message).toMatch(/introspection has been disabled/);
      const development = await gateway();
      expect((await development.post({ query: '{ __schema { queryType { name } } }' })).body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
      // GraphiQL's full introspection query fits the document limits.
      const graphiql = await development.post({ query: getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, schemaDescription: true, specifiedByUrl: true, directiveIsRepeatable: true, oneOf: true }) });
      expect([graphiql.body.errors, graphiql.body.data?.__schema.queryType.name]).toEqual([undefined, 'Query']);
    });

    it('hides field, argument and enum-value suggestions, which development keeps', async () => {
      const production = await gateway({ production: true });
      const field = await production.post({ query: '{ custmer(id: "x") { id } }' }, anna);
      expect(field.body.errors?.[0].message).toBe('Cannot query field "custmer" on type "Query". [Suggestion hidden]');
      const argument = await production.post({ query: '{ customers(serch: "x") { readAs } }' }, anna);
      expect(argument.body.errors?.map((error) => error.message).join('\n')).not.toMatch(/Did you mean/);
      const enumValue = misspeltEnumArgument();
      const enumError = await production.post({ query: enumValue.query, variables: enumValue.variables }, anna);
      expect(enumError.body.errors?.map((error) => error.message).join('\n')).toMatch(/does not exist in ".+" enum\. \[Suggestion hidden\]/);
      const development = await gateway();
      expect((await development.post({ query: '{ custmer(id: "x") { id } }' }, anna)).body.errors?.[0].message).toMatch(/Did you mean "customer"/);
      expect((await development.post({ query: enumValue.query, variables: enumValue.variables }, anna)).body.errors?.map((error) => error.message).join('\n')).toMatch(/Did you mean the enum value/);
    });
  });

  describe('requests', () => {
    it('answers 413 to a body over 100 kB, declared or streamed', async () => {
      const api = await gateway();
      const big = JSON.stringify({ query: 'query($q: String!) { customers(search: $q) { readAs } }', variables: { q: 'x'.repeat(100_000) } });
      const declared = await api.post(big, anna);
      expect([declared.status, declared.body.errors?.[0]]).toMatchObject([413, { message: 'Request body too large', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }]);
      const bytes = new TextEncoder().encode(big);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < bytes.length; at += 16_384) controller.enqueue(bytes.slice(at, at + 16_384));
          controller.close();
        },
      });
      const streamed = await fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
      expect(streamed.status).toBe(413);
    });

    it('refuses batched operations', async () => {
      const api = await gateway();
      const { status, body } = await api.post([{ query: '{ __typename }' }, { query: '{ __typename }' }]);
      expect([status, body.errors?.[0]]).toMatchObject([400, { message: 'Batching is not supported.', extensions: { code: 'BAD_REQUEST' } }]);
    });
  });

  describe('trusted documents', () => {
    it('keys every committed document by its SHA-256', () => {
      expect(trusted.size).toBeGreaterThan(0);
      for (const [id, document] of trusted) expect(documentId(document)).toBe(id);
    });

    it('in trusted-documents-only mode runs a known id and refuses documents and unknown ids', async () => {
      const api = await gateway({ hardening: { trustedDocumentsOnly: true } });
      const known = await api.post({ documentId: `sha256:${idOf('ViewerParty')}` }, anna);
      expect(known.body).toMatchObject({ data: { viewerParty: { id: 'dealer-berlin' } } });
      const apq = await api.post({ extensions: { persistedQuery: { version: 1, sha256Hash: idOf('ViewerParty') } } }, anna);
      expect(apq.body.data.viewerParty.id).toBe('dealer-berlin');
      const byGet = await fetch(`${api.url}/graphql?documentId=${idOf('ViewerParty')}`, { headers: { accept: 'application/json', [csrfHeader]: '1', authorization: `Bearer ${await api.tokens.issue(anna)}` } });
      expect((await byGet.json()).data.viewerParty.id).toBe('dealer-berlin');

      const document = await api.post({ query: trusted.get(idOf('ViewerParty')) }, anna);
      expect([document.status, document.body.data, document.body.errors?.[0].extensions.code]).toEqual([400, undefined, 'TRUSTED_DOCUMENTS_ONLY']);
      const unknown = await api.post({ documentId: documentId('{ viewerParty { id name } }') }, anna);
      expect([unknown.status, unknown.body.data, unknown.body.errors?.[0].extensions.code]).toEqual([400, undefined, 'PERSISTED_QUERY_NOT_FOUND']);
    });

    it('otherwise runs both trusted ids and documents', async () => {
      const api = await gateway();
      expect((await api.post({ documentId: idOf('ViewerParty') }, anna)).body.data.viewerParty.id).toBe('dealer-berlin');
      expect((await api.post({ query: '{ viewerParty { name } }' }, anna)).body.data.viewerParty.name).toBe('Autohaus Köpenick');
    });

    it('is switched on by TANDEM_TRUSTED_DOCUMENTS_ONLY, off by default', () => {
      expect(loadConfig({}).TANDEM_TRUSTED_DOCUMENTS_ONLY).toBe(false);
      expect(loadConfig({ TANDEM_TRUSTED_DOCUMENTS_ONLY: 'true' }).TANDEM_TRUSTED_DOCUMENTS_ONLY).toBe(true);
      expect(() => loadConfig({ TANDEM_TRUSTED_DOCUMENTS_ONLY: 'maybe' })).toThrow(/TANDEM_TRUSTED_DOCUMENTS_ONLY/);
    });
  });

  it('keeps the defaults no looser than GraphQL Armor', () => {
    expect(defaultOperationLimits).toEqual({ maxDepth: 6, maxAliases: 15, maxDirectives: 50, maxTokens: 1000, maxCost: 5000 });
  });
});
