import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { v7 as uuidv7 } from 'uuid';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { customerRecordInput, parseOrThrow } from '@tandem/schema';
import {
  AccessAuditEntryEntity,
  AccessAuditor,
  applyCustomerRecord,
  DeterministicIdentityResolver,
  grantSharing,
  issueApiKey,
  upsertParty,
  type Em,
  type Orm,
} from '@tandem/core';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';
import { loadConfig } from '../src/config/config.js';
import { printSubgraphSdl } from '../src/graphql/schema.js';
import type { Principal } from '../src/auth/principal.js';
import { startGateway } from './support.js';

/** A partner's own subgraph: its financing contracts, joined to Tandem's customers by the hub id. */
const financingSubgraphSdl = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

  type Customer @key(fields: "id") {
    id: ID!
    financing: FinancingContract
  }

  type FinancingContract {
    contractNumber: String!
    monthlyRate: Float!
  }

  type Query {
    financingContract(contractNumber: String!): FinancingContract
  }
`;

describe("composing Tandem's subgraph into a supergraph", () => {
  it('composes with a partner subgraph that extends Customer by its key, without errors, keeping both contributions', () => {
    const result = composeServices([
      { name: 'tandem', typeDefs: parse(printSubgraphSdl()) },
      { name: 'financing', typeDefs: parse(financingSubgraphSdl) },
    ]);
    expect(result.errors?.map((error) => error.message) ?? []).toEqual([]);
    const supergraph = result.supergraphSdl!;
    const customerType = /type Customer implements Node\s+((?:@join__\w+\([^)]*\)\s+)+)\{/.exec(supergraph)?.[1] ?? '';
    expect(customerType).toContain('@join__type(graph: TANDEM, key: "id")');
    expect(customerType).toContain('@join__type(graph: FINANCING, key: "id")');
    expect(supergraph).toMatch(/financing: FinancingContract @join__field\(graph: FINANCING\)/);
    expect(supergraph).toMatch(/displayName: String! @join__field\(graph: TANDEM\)/);
    expect(supergraph).toMatch(/customer\(id: ID!\): Customer @join__field\(graph: TANDEM\)/);
    expect(supergraph).toMatch(/financingContract\(contractNumber: String!\): FinancingContract @join__field\(graph: FINANCING\)/);
  });
});

describe('TANDEM_GRAPHQL_SUBGRAPH', () => {
  it('is off by default and switched on by true', () => {
    expect(loadConfig({}).TANDEM_GRAPHQL_SUBGRAPH).toBe(false);
    expect(loadConfig({ TANDEM_GRAPHQL_SUBGRAPH: 'true' }).TANDEM_GRAPHQL_SUBGRAPH).toBe(true);
    expect(() => loadConfig({ TANDEM_GRAPHQL_SUBGRAPH: 'yes please' })).toThrow(/TANDEM_GRAPHQL_SUBGRAPH: must be true or false/);
  });

  it('refuses trusted documents only: a router sends the documents its query planner makes', () => {
    expect(() => loadConfig({ TANDEM_GRAPHQL_SUBGRAPH: 'true', TANDEM_TRUSTED_DOCUMENTS_ONLY: 'true' })).toThrow(/TANDEM_GRAPHQL_SUBGRAPH: cannot be combined with TANDEM_TRUSTED_DOCUMENTS_ONLY/);
  });
});

const entitiesQuery = /* GraphQL */ `
  query($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on Customer { id displayName phones { value } }
      ... on Party { id name }
    }
  }
`;

describe.each(testDialects())('the subgraph served at /graphql on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let publicGateway: Awaited<ReturnType<typeof startGateway>>;
  let auditor: AccessAuditor;
  let customerId = '';
  let writeOnlyKey = '';
  const fork = () => orm.em.fork() as Em;
  const berlin: Principal = { subject: 'router-user', party: 'dealer-berlin', role: 'dealer_staff' };
  const hamburg: Principal = { subject: 'router-snooper', party: 'dealer-hamburg', role: 'dealer_staff' };
  const reference = (id: string) => ({ __typename: 'Customer', id });
  const world404 = 'no-such-party';

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    const em = fork();
    for (const id of ['dealer-berlin', 'dealer-hamburg', 'dealer-expired']) await upsertParty(em, { id, kind: 'dealer', name: `Autohaus ${id}`, country: 'DE', timeZone: 'Europe/Berlin' });
    await grantSharing(em, { grantor: 'dealer-berlin', grantee: 'dealer-expired', dataClasses: ['identity', 'contact'], purpose: 'service', validFrom: '2020-01-01T00:00:00Z', validUntil: '2021-01-01T00:00:00Z' });
    const record = parseOrThrow(customerRecordInput('DE'), { externalId: 'DMS-FED-1', givenName: 'Frida', familyName: 'Föderlein', phones: [{ value: '0151 76543210' }] });
    ({ customerId } = await em.transactional((tx) => applyCustomerRecord(tx as Em, new DeterministicIdentityResolver(), 'dealer-berlin', record, new Date('2026-03-01T00:00:00Z'))));
    writeOnlyKey = (await issueApiKey(em, { party: 'dealer-berlin', scopes: ['write'], label: 'writer' })).key;
    auditor = new AccessAuditor(orm, { flushIntervalMs: 60_000 });
    gateway = await startGateway(orm, { subgraph: true, auditor });
    publicGateway = await startGateway(orm);
  });
  afterAll(async () => {
    await gateway?.close();
    await publicGateway?.close();
    await auditor?.close();
    await close();
  });

  it('resolves a reference the caller may see, with the sharing policy applied to its fields', async () => {
    const { status, body } = await gateway.graphql(entitiesQuery, { representations: [reference(customerId), { __typename: 'Party', id: 'dealer-hamburg' }] }, berlin);
    expect(status).toBe(200);
    expect(body).toEqual({
      data: {
        _entities: [
          { __typename: 'Customer', id: customerId, displayName: 'Frida Föderlein', phones: [{ value: '+4915176543210' }] },
          { __typename: 'Party', id: 'dealer-hamburg', name: 'Autohaus dealer-hamburg' },
        ],
      },
    });
  });

  it.each([
    ['another dealer', hamburg],
    ['a party whose agreement expired', { subject: 'erik', party: 'dealer-expired', role: 'dealer_staff' } as Principal],
  ])('resolves a reference %s may not see to null, exactly like an unknown id', async (_who, principal) => {
    const unknown = await gateway.graphql(entitiesQuery, { representations: [reference(uuidv7())] }, principal);
    expect(unknown.body).toEqual({ data: { _entities: [null] } });
    const hidden = await gateway.graphql(entitiesQuery, { representations: [reference(customerId)] }, principal);
    expect(hidden.body).toEqual(unknown.body);
  });

  it('resolves a reference whose id is no hub id to null, like an unknown one', async () => {
    const { body } = await gateway.graphql(entitiesQuery, { representations: [reference('not-a-hub-id'), { __typename: 'Party', id: world404 }] }, berlin);
    expect(body).toEqual({ data: { _entities: [null, null] } });
  });

  it('records a resolved reference in the access audit, and nothing for a denied one', async () => {
    const reader = { ...berlin, subject: 'audited-router-user' };
    const snooper = { ...hamburg, subject: 'audited-router-snooper' };
    await gateway.graphql(entitiesQuery, { representations: [reference(customerId)] }, reader);
    await gateway.graphql(entitiesQuery, { representations: [reference(customerId)] }, snooper);
    await auditor.flush();
    const rows = await fork().find(AccessAuditEntryEntity, { principal: { $in: [reader.subject, snooper.subject] } });
    expect(rows.map((row) => [row.principal, row.customer, row.dataClasses])).toEqual([[reader.subject, customerId, ['contact', 'identity']]]);
  });

  it('needs credentials with the read scope for _entities and _service', async () => {
    for (const query of [entitiesQuery, '{ _service { sdl } }']) {
      const anonymous = await gateway.graphql(query, { representations: [reference(customerId)] });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'AUTHENTICATION_REQUIRED' });
      expect(JSON.stringify(anonymous.body)).not.toContain('Föderlein');
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': writeOnlyKey },
        body: JSON.stringify({ query, variables: { representations: [reference(customerId)] } }),
      });
      const body = (await response.json()) as { errors?: { extensions?: unknown }[] };
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'INSUFFICIENT_SCOPE' });
      expect(JSON.stringify(body)).not.toContain('Föderlein');
    }
  });

  it('gives a signed-in router the subgraph SDL through _service', async () => {
    const { body } = await gateway.graphql('{ _service { sdl } }', {}, berlin);
    expect(body.data._service.sdl.trimEnd()).toBe(printSubgraphSdl().trimEnd());
    // Clients subscribe at the gateway (SSE); a router could not deliver subgraph subscriptions over it.
    expect(body.data._service.sdl).not.toMatch(/\bSubscription\b|customerChanged/);
  });

  it('keeps the request hardening: document limits refuse an over-deep reference query', async () => {
    const deep = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { activities { edges { node { source { party } } } } openTasks { source { party } } } } }`;
    const limited = await startGateway(orm, { subgraph: true, hardening: { operationLimits: { maxDepth: 4 } } });
    try {
      const { body } = await limited.graphql(deep, { r: [reference(customerId)] }, berlin);
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'DEPTH_LIMIT', limit: 4 });
    } finally {
      await limited.close();
    }
  });

  it('prices _entities by the number of references: a selection that fits for one is refused for many (cost limit)', async () => {
    const heavy = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { activities(first: 100) { edges { node { id subject } } } } } }`;
    const one = await gateway.graphql(heavy, { r: [reference(customerId)] }, berlin);
    expect(one.body.errors).toBeUndefined();
    const many = await gateway.graphql(heavy, { r: Array.from({ length: 10 }, () => reference(uuidv7())) }, berlin);
    expect(many.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'COST_LIMIT', limit: 5000 });
    expect(many.body.data).toBeUndefined();
  });

  it('is not what the public API serves: there _entities does not exist', async () => {
    const { body } = await publicGateway.graphql(entitiesQuery, { representations: [reference(customerId)] }, berlin);
    expect(body.errors?.[0].message).toMatch(/Cannot query field "_entities" on type "Query"|Unknown type "_Any"/);
  });
});

/** The financing partner's subgraph, served over HTTP: a contract for some customers, by hub id. */
async function startFinancingSubgraph(contracts: ReadonlyMap<string, { contractNumber: string; monthlyRate: number }>) {
  const schema = buildSubgraphSchema({
    typeDefs: parse(financingSubgraphSdl),
    resolvers: {
      Customer: {
        __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
        financing: (customer: { id: string }) => contracts.get(customer.id) ?? null,
      },
      Query: { financingContract: (_root: unknown, args: { contractNumber: string }) => [...contracts.values()].find((contract) => contract.contractNumber === args.contractNumber) ?? null },
    },
  });
  const yoga = createYoga({ schema, logging: false });
  let requests = 0;
  const server: Server = await new Promise((resolve) => {
    const listening = createServer((request, response) => {
      requests += 1;
      void yoga(request, response);
    }).listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(testDialects())('a query through an Apollo Gateway over Tandem and a partner subgraph on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  let tandem: Awaited<ReturnType<typeof startGateway>>;
  let financing: Awaited<ReturnType<typeof startFinancingSubgraph>>;
  let router: ApolloGateway;
  let execute: (query: string, variables: Record<string, unknown>, authorization: string) => Promise<{ data?: any; errors?: readonly { message: string }[] }>;
  let customerId = '';

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    const em = orm.em.fork() as Em;
    for (const id of ['dealer-berlin', 'dealer-hamburg']) await upsertParty(em, { id, kind: 'dealer', name: `Autohaus ${id}`, country: 'DE', timeZone: 'Europe/Berlin' });
    const record = parseOrThrow(customerRecordInput('DE'), { externalId: 'DMS-GW-1', givenName: 'Greta', familyName: 'Gatewald' });
    ({ customerId } = await em.transactional((tx) => applyCustomerRecord(tx as Em, new DeterministicIdentityResolver(), 'dealer-berlin', record, new Date('2026-03-01T00:00:00Z'))));
    tandem = await startGateway(orm, { subgraph: true });
    financing = await startFinancingSubgraph(new Map([[customerId, { contractNumber: 'FIN-4711', monthlyRate: 289.5 }]]));
    const composed = composeServices([
      { name: 'tandem', typeDefs: parse(printSubgraphSdl()), url: `${tandem.url}/graphql` },
      { name: 'financing', typeDefs: parse(financingSubgraphSdl), url: financing.url },
    ]);
    if (!composed.supergraphSdl) throw new Error((composed.errors ?? []).map((error) => error.message).join('\n'));
    router = new ApolloGateway({
      supergraphSdl: composed.supergraphSdl,
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
      // The router passes the caller's credentials on, so each subgraph decides what that caller may see.
      buildService: ({ url }) =>
        new RemoteGraphQLDataSource<{ authorization: string }>({
          url: url!,
          willSendRequest: ({ request, context }) => request.http?.headers.set('authorization', context.authorization),
        }),
    });
    const { executor } = await router.load();
    execute = async (query, variables, authorization) =>
      executor({
        request: { query, variables },
        document: parse(query),
        source: query,
        queryHash: createHash('sha256').update(query).digest('hex'),
        context: { authorization },
        metrics: {},
        logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
        cache: undefined,
        overallCachePolicy: undefined,
      } as unknown as Parameters<typeof executor>[0]) as ReturnType<typeof execute>;
  });
  afterAll(async () => {
    await router?.stop();
    await financing?.close();
    await tandem?.close();
    await close();
  });

  const query = `query($id: ID!) { customer(id: $id) { id displayName financing { contractNumber monthlyRate } } }`;

  it("joins Tandem's customer with the partner's contract for a caller who may see the customer", async () => {
    const token = await tandem.tokens.issue({ subject: 'anna', party: 'dealer-berlin', role: 'dealer_staff' });
    const result = await execute(query, { id: customerId }, `Bearer ${token}`);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ customer: { id: customerId, displayName: 'Greta Gatewald', financing: { contractNumber: 'FIN-4711', monthlyRate: 289.5 } } });
  });

  it('gives a caller who may not see the customer null, and the partner subgraph is never asked about it', async () => {
    const token = await tandem.tokens.issue({ subject: 'hanna', party: 'dealer-hamburg', role: 'dealer_staff' });
    const asked = financing.requests();
    const result = await execute(query, { id: customerId }, `Bearer ${token}`);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ customer: null });
    expect(financing.requests()).toBe(asked);
  });
});
