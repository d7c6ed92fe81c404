/**
 * The authorisation matrix, generated from the schema: every root field, with every scalar and enum
 * of every object type reachable from it, asked by principals who must get nothing of a customer
 * (another dealer, an interaction center acting for a client without access, a party whose
 * agreement expired, another dealer's connector) and by principals who must get it. A new field is
 * covered without anyone editing this file; a new root field whose required arguments cannot be
 * filled fails the test until a rule below says how (a conscious decision, not a silent skip).
 * It runs on both schemas `/graphql` can serve: the public API and the federation subgraph (the
 * same fields plus `_entities` and `_service`), so `node`, `nodes` and `_entities` are probed too.
 * Subscriptions are probed over SSE: each principal subscribes, the customer changes, and what the
 * subscription sent by the time the gateway shuts down (which ends subscriptions after they sent
 * what they had) is its answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getNamedType,
  isAbstractType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  validate,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { customerRecordInput, parseOrThrow } from '@tandem/schema';
import { announceCustomerChanges, applyCustomerRecord, DeterministicIdentityResolver, grantSharing, issueApiKey, recordActivity, recordConsent, recordTask, type Em, type Orm } from '@tandem/core';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';
import { schema as publicSchema, subgraphSchema } from '../src/graphql/schema.js';
import type { Principal } from '../src/auth/principal.js';
import { allDataClasses, registerPartnerWorld, startGateway } from './support.js';
import { SseSubscription } from './sse-client.js';

/** Values of the customer that only dealer-berlin (and whom it grants) may see. Any of them in a forbidden answer is a leak. */
const customer = {
  givenName: 'Quirin',
  familyName: 'Zwirbelmeier',
  phone: '+4915198765432',
  email: 'q.zwirbelmeier@example.de',
  street: 'Zwirbelgasse 7',
  vin: 'WNW9876543Z654321',
  model: 'Skerry Zwirbel',
  externalId: 'DMS-ZW-1',
  activitySubjects: ['Bremsen quietschen (Zwirbel)', 'Angebot Winterreifen (Zwirbel)'],
  activityContent: 'Sehr geehrter Herr Zwirbelmeier, anbei das Angebot.',
  activityOutcome: 'Termin vereinbart (Zwirbel)',
  taskTitle: 'Rückruf wegen Zwirbel-Bremsen',
  consentProof: 'Unterschrift Zwirbel-Formular 4711',
} as const;

const customerValues: readonly string[] = [
  customer.givenName,
  customer.familyName,
  customer.phone,
  customer.email,
  customer.street,
  customer.vin,
  customer.model,
  customer.externalId,
  ...customer.activitySubjects,
  customer.activityContent,
  customer.activityOutcome,
  customer.taskTitle,
  customer.consentProof,
];

interface MatrixWorld {
  readonly customerId: string;
  /** A task about the customer from dealer-berlin to the insurer. */
  readonly taskId: string;
  /** dealer-berlin's activities with the customer. */
  readonly activityIds: readonly string[];
}

type Fill = (world: MatrixWorld) => unknown;

/**
 * How a required argument is filled: first by `Type.field.argument`, then by the named type the
 * field returns and the argument's name, then by the argument's name alone. Everything points at
 * the seeded customer (or the party that owns it), so a forbidden principal asks for exactly it.
 */
const fillByField: Record<string, Fill> = {
  // Mutations act in the caller's own records: they name the customer by dealer-berlin's record
  // key (which no forbidden party holds) and carry no value of the customer, so whatever comes
  // back to a forbidden principal beyond what it sent is a leak. A new record is a probe of its own.
  'Mutation.recordActivity.input': () => ({ customerExternalId: customer.externalId, channel: 'phone', direction: 'inbound', occurredAt: '2026-05-01T10:00:00Z', subject: 'Matrix probe call' }),
  'Mutation.upsertContact.input': () => ({ externalId: 'MATRIX-PROBE-1', familyName: 'Matrixprobe' }),
  'Mutation.recordConsent.input': () => ({ customerExternalId: customer.externalId, purpose: 'surveys', granted: false, proof: 'matrix probe' }),
  'Mutation.createTask.input': () => ({ customerExternalId: customer.externalId, assignee: 'insurer', kind: 'information', title: 'Matrix probe task' }),
};
const fillByReturnType: Record<string, Record<string, Fill>> = {
  Customer: { id: (world) => world.customerId },
  // Every record of the customer by its id, and its owner party (visible to all: the probe must still answer).
  Node: { id: (world) => world.customerId, ids: (world) => [world.customerId, world.taskId, ...world.activityIds, 'dealer-berlin'] },
  // Federation references, as a supergraph router sends them.
  _Entity: { representations: (world) => [{ __typename: 'Customer', id: world.customerId }, { __typename: 'Party', id: 'dealer-berlin' }] },
  Party: { id: () => 'dealer-berlin' },
  Task: { id: (world) => world.taskId },
};
const fillByName: Record<string, Fill> = {
  customerId: (world) => world.customerId,
  customer: (world) => world.customerId,
  search: () => customer.familyName,
  query: () => customer.familyName,
  phone: () => customer.phone,
  callerNumber: () => customer.phone,
  email: () => customer.email,
  vin: () => customer.vin,
  party: () => 'dealer-berlin',
  partyId: () => 'dealer-berlin',
};

/** Object levels below a root field; with no type repeated on a path, every reachable type fits well within it. */
const maxDepth = 10;
/** Types whose presence in an answer means the customer's data was reached. */
const customerDataTypes: ReadonlySet<string> = new Set(['Customer', 'Activity']);

interface GeneratedOperation {
  readonly label: string;
  readonly kind: 'query' | 'mutation' | 'subscription';
  readonly document: string;
  readonly variables: readonly { readonly name: string; readonly fill: Fill; readonly list: boolean }[];
  /** Object types the selection covers. */
  readonly covered: ReadonlySet<string>;
}

function generateOperations(schema: GraphQLSchema): { operations: GeneratedOperation[]; unfillable: string[]; uncovered: string[] } {
  const operations: GeneratedOperation[] = [];
  const unfillable: string[] = [];
  const uncovered: string[] = [];
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const;
  for (const [kind, root] of roots) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      const variables: { name: string; type: string; fill: Fill; list: boolean }[] = [];
      const covered = new Set<string>();
      const selection = selectField(root, field, [root.name], 0, { schema, variables, unfillable, covered });
      const declared = variables.map((variable) => `$${variable.name}: ${variable.type}`).join(', ');
      const label = `${root.name}.${field.name}`;
      operations.push({ label, kind, document: `${kind} Matrix${declared ? `(${declared})` : ''} { ${selection} }`, variables, covered });
      for (const type of reachableObjectTypes(schema, getNamedType(field.type))) if (!covered.has(type)) uncovered.push(`${label} → ${type}`);
    }
  }
  return { operations, unfillable, uncovered };
}

interface Collector {
  readonly schema: GraphQLSchema;
  readonly variables: { name: string; type: string; fill: Fill; list: boolean }[];
  readonly unfillable: string[];
  readonly covered: Set<string>;
}

/** `alias`: prefix the field's response key (fields of sibling fragments on an abstract type may clash in type). */
function selectField(parent: GraphQLObjectType, field: GraphQLField<unknown, unknown>, path: readonly string[], depth: number, collector: Collector, alias = ''): string | undefined {
  const named = getNamedType(field.type);
  if (!isLeafType(named) && (path.includes(named.name) || depth >= maxDepth)) return undefined;
  const args: string[] = [];
  for (const arg of field.args) {
    if (!isNonNullType(arg.type) || arg.defaultValue !== undefined) continue;
    const fill = fillByField[`${parent.name}.${field.name}.${arg.name}`] ?? fillByReturnType[named.name]?.[arg.name] ?? fillByName[arg.name];
    if (!fill || (isInputObjectType(getNamedType(arg.type)) && !fillByField[`${parent.name}.${field.name}.${arg.name}`])) {
      collector.unfillable.push(`${parent.name}.${field.name}(${arg.name}: ${String(arg.type)})`);
      continue;
    }
    const name = `v${collector.variables.length}`;
    collector.variables.push({ name, type: String(arg.type), fill, list: isListType(unwrapNonNull(arg.type)) });
    args.push(`${arg.name}: $${name}`);
  }
  const head = `${alias ? `${alias}${field.name}: ` : ''}${field.name}${args.length > 0 ? `(${args.join(', ')})` : ''}`;
  if (isLeafType(named)) return head;
  return `${head} { ${selectType(named, [...path, named.name], depth + 1, collector)} }`;
}

function selectType(type: GraphQLNamedType, path: readonly string[], depth: number, collector: Collector, alias = ''): string {
  if (isObjectType(type)) {
    collector.covered.add(type.name);
    const fields = Object.values(type.getFields())
      .map((field) => selectField(type, field, path, depth, collector, alias))
      .filter((selection): selection is string => selection !== undefined);
    return ['__typename', ...fields].join(' ');
  }
  if (isAbstractType(type)) {
    const fragments = collector.schema
      .getPossibleTypes(type)
      .map((possible) => `... on ${possible.name} { ${selectType(possible, [...path, possible.name], depth, collector, `${possible.name}_`)} }`);
    return ['__typename', ...fragments].join(' ');
  }
  return '__typename';
}

function unwrapNonNull(type: GraphQLInputType): GraphQLInputType {
  return isNonNullType(type) ? type.ofType : type;
}

/** Every object type reachable from `start` through output fields (interfaces and unions expanded). */
function reachableObjectTypes(schema: GraphQLSchema, start: GraphQLNamedType): Set<string> {
  const seen = new Set<string>();
  const queue: GraphQLNamedType[] = [start];
  while (queue.length > 0) {
    const type = queue.pop()!;
    if (isAbstractType(type)) queue.push(...schema.getPossibleTypes(type).filter((possible) => !seen.has(possible.name)));
    if (!isObjectType(type) || seen.has(type.name)) continue;
    seen.add(type.name);
    for (const field of Object.values(type.getFields())) queue.push(getNamedType(field.type));
  }
  return seen;
}

/** What `/graphql` serves by default, and with TANDEM_GRAPHQL_SUBGRAPH. */
const modes = [
  { name: 'public API', schema: publicSchema, subgraph: false, generated: generateOperations(publicSchema) },
  { name: 'federation subgraph', schema: subgraphSchema(), subgraph: true, generated: generateOperations(subgraphSchema()) },
] as const;
type Mode = (typeof modes)[number];

type Credential = { readonly kind: 'token'; readonly principal: Principal } | { readonly kind: 'api-key'; readonly party: string };

const token = (subject: string, party: string, role: Principal['role'], actingFor?: string): Credential => ({
  kind: 'token',
  principal: { subject, party, role, ...(actingFor ? { actingFor } : {}) },
});

/** Must get nothing of the customer. Each party also as a data-protection officer, whose fields (the access audit) are role-gated. */
const forbidden: readonly (readonly [string, Credential])[] = [
  ['another dealer (dealer-hamburg staff)', token('hanna', 'dealer-hamburg', 'dealer_staff')],
  ["another dealer's data-protection officer", token('hdpo', 'dealer-hamburg', 'dpo')],
  ["another dealer's connector (dealer-hamburg API key, read and write)", { kind: 'api-key', party: 'dealer-hamburg' }],
  ['an interaction center acting for a client without access (ic-nordic agent for oem)', token('ilze', 'ic-nordic', 'agent', 'oem')],
  ["that interaction center's data-protection officer, for oem", token('idpo', 'ic-nordic', 'dpo', 'oem')],
  ['a party whose agreement expired (dealer-expired staff)', token('erik', 'dealer-expired', 'dealer_staff')],
  ["that party's data-protection officer", token('edpo', 'dealer-expired', 'dpo')],
];

/** May see the customer: the owning dealer's people and connector, and a party with an agreement in force. */
const allowed: readonly (readonly [string, Credential])[] = [
  ['dealer-berlin staff', token('anna', 'dealer-berlin', 'dealer_staff')],
  ['dealer-berlin connector (API key, read and write)', { kind: 'api-key', party: 'dealer-berlin' }],
  ['the insurer (agreement in force)', token('ines', 'insurer', 'manager')],
  ["dealer-berlin's data-protection officer", token('bdpo', 'dealer-berlin', 'dpo')],
];

/** Errors a principal may get instead of data: refused, or (its own records) not found. Anything else means the probe did not run. */
const refusalCodes: ReadonlySet<string | undefined> = new Set(['FORBIDDEN', 'NOT_FOUND']);
/** An allowed principal may also be told a state conflict (only the assignee accepts a task): it may see the task. */
const allowedRefusalCodes: ReadonlySet<string | undefined> = new Set([...refusalCodes, 'CONFLICT']);

describe.each(modes)('the generated authorisation matrix of the $name', ({ schema, generated, subgraph }) => {
  it('fills every required argument of every root field (add a rule above for a new one)', () => {
    expect(generated.unfillable, 'no rule fills these required arguments: add one to fillByField/fillByReturnType/fillByName').toEqual([]);
  });

  it('selects every object type reachable from every root field, and only valid operations', () => {
    expect(generated.uncovered).toEqual([]);
    const expected = ['Query.customer', 'Query.customers', 'Query.node', 'Query.nodes', ...(subgraph ? ['Query._entities', 'Query._service'] : ['Subscription.customerChanged'])];
    expect(generated.operations.map((operation) => operation.label)).toEqual(expect.arrayContaining(expected));
    for (const operation of generated.operations) expect(validate(schema, parse(operation.document)), operation.label).toEqual([]);
  });
});

const runs = testDialects().flatMap((dialect) => modes.map((mode) => [dialect, mode.name, mode] as const));

describe.each(runs)('authorisation matrix on %s, %s', (dialect, _name, mode: Mode) => {
  const { generated } = mode;
  let orm: Orm;
  let close: () => Promise<void>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let world: MatrixWorld;
  const apiKeys = new Map<string, string>();
  // Document limits off: the matrix checks authorisation of every reachable type, also those one
  // production document cannot reach (the limits have their own tests and may change).
  const gatewayOptions = { subgraph: mode.subgraph, hardening: { operationLimits: { maxDepth: 64, maxCost: 10_000_000, maxTokens: 100_000, maxAliases: 1000 } } };

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    const em = orm.em.fork() as Em;
    await registerPartnerWorld(em);
    // The insurer may see the customer, and lets its interaction center process its own data; the OEM has no agreement.
    await grantSharing(em, { grantor: 'insurer', grantee: 'ic-nordic', dataClasses: [...allDataClasses], purpose: 'customer_care', validFrom: '2020-01-01T00:00:00Z' });
    const record = parseOrThrow(customerRecordInput('DE'), {
      externalId: customer.externalId,
      givenName: customer.givenName,
      familyName: customer.familyName,
      phones: [{ value: '0151 98765432' }],
      emails: [{ value: customer.email }],
      addresses: [{ street: customer.street, postalCode: '10115', city: 'Berlin', country: 'DE' }],
      vehicles: [{ vin: customer.vin, brand: 'Nordwagen', model: customer.model }],
    });
    const applied = await em.transactional((tx) => applyCustomerRecord(tx as Em, new DeterministicIdentityResolver(), 'dealer-berlin', record, new Date('2026-03-01T00:00:00Z')));
    const activityIds: string[] = [];
    await em.transactional(async (tx) => {
      for (const [index, subject] of customer.activitySubjects.entries()) {
        const activity = await recordActivity(
          tx as Em,
          'dealer-berlin',
          {
            externalId: `ACT-${index}`,
            customerExternalId: customer.externalId,
            channel: index === 0 ? 'phone' : 'letter',
            direction: 'outbound',
            occurredAt: new Date(`2026-04-0${index + 1}T09:00:00Z`),
            subject,
            ...(index === 0 ? { outcome: customer.activityOutcome } : { content: customer.activityContent }),
          },
          new Date(),
        );
        activityIds.push(activity.id);
      }
    });
    const { task } = await em.transactional((tx) =>
      recordTask(tx as Em, 'dealer-berlin', { externalId: 'TASK-ZW-1', customerExternalId: customer.externalId, assignee: 'insurer', kind: 'callback', title: customer.taskTitle }, new Date()),
    );
    world = { customerId: applied.customerId, taskId: task.id, activityIds };
    await em.transactional((tx) =>
      recordConsent(tx as Em, 'dealer-berlin', { customerExternalId: customer.externalId, purpose: 'marketing', granted: true, recordedAt: new Date('2026-03-02T00:00:00Z'), proof: customer.consentProof }),
    );
    for (const owner of ['dealer-berlin', 'dealer-hamburg']) apiKeys.set(owner, (await issueApiKey(em, { party: owner, scopes: ['read', 'write'], label: 'matrix' })).key);
    gateway = await startGateway(orm, gatewayOptions);
  });
  afterAll(async () => {
    await gateway?.close();
    await close();
  });

  async function ask(credential: Credential, operation: GeneratedOperation) {
    const authorization: Record<string, string> =
      credential.kind === 'token' ? { authorization: `Bearer ${await gateway.tokens.issue(credential.principal)}` } : { 'x-api-key': apiKeys.get(credential.party)! };
    const variables = Object.fromEntries(operation.variables.map((variable) => {
      const value = variable.fill(world);
      return [variable.name, variable.list && !Array.isArray(value) ? [value] : value];
    }));
    if (operation.kind === 'subscription') return askSubscription(authorization, operation, variables);
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authorization },
      body: JSON.stringify({ query: operation.document, variables }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
    return { status: response.status, body, sent: JSON.stringify(variables) };
  }

  /**
   * Subscribes, announces a change of the customer, waits until a subscription of its owner heard
   * it (news reaches every subscriber at once), then restarts the gateway, which ends every
   * subscription after it sent what it had: all it sent is the answer.
   */
  async function askSubscription(authorization: Record<string, string>, operation: GeneratedOperation, variables: Record<string, unknown>) {
    const probe = await SseSubscription.open(gateway.url, operation.document, variables, authorization);
    const owner = await gateway.tokens.issue({ subject: 'matrix-witness', party: 'dealer-berlin', role: 'dealer_staff' });
    const witness = await SseSubscription.open(gateway.url, 'subscription Witness($id: ID!) { customerChanged(id: $id) { id } }', { id: world.customerId }, { authorization: `Bearer ${owner}` });
    await announceCustomerChanges(orm, [world.customerId]);
    expect((await witness.next()).data?.data?.customerChanged.id, 'the witness heard the change').toBe(world.customerId);
    await gateway.close();
    gateway = await startGateway(orm, gatewayOptions);
    const results = await probe.rest();
    const errors = results.flatMap((result) => result.errors ?? []);
    const data = results.flatMap((result) => (result.data ? [result.data] : []));
    return { status: probe.status, body: { ...(data.length > 0 ? { data } : {}), ...(errors.length > 0 ? { errors } : {}) }, sent: JSON.stringify(variables) };
  }

  /** Which of `values` an answer contains, also inside base64 strings (dead letters carry original bytes so). */
  const valuesIn = (answer: unknown, values: readonly string[]) => {
    const texts: string[] = [JSON.stringify(answer ?? null)];
    JSON.stringify(answer ?? null, (_key, value: unknown) => {
      if (typeof value === 'string' && value.length >= 16 && value.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(value)) texts.push(Buffer.from(value, 'base64').toString('utf8'));
      return value;
    });
    return values.filter((value) => texts.some((text) => text.includes(value)));
  };

  it.each(forbidden)('gives %s nothing of the customer through any field', async (_who, credential) => {
    for (const operation of generated.operations) {
      const { status, body, sent } = await ask(credential, operation);
      expect(status, operation.label).toBe(200);
      for (const error of body.errors ?? []) expect(refusalCodes.has(error.extensions?.code), `${operation.label}: ${error.extensions?.code} ${error.message}`).toBe(true);
      // A caller sees what it sent itself; anything else of the customer is a leak. An error may echo the id it sent.
      const secret = customerValues.filter((value) => !sent.includes(value));
      expect(valuesIn(body.data, [...secret, world.customerId, world.taskId, ...world.activityIds]), `${operation.label} leaked`).toEqual([]);
      expect(valuesIn(body.errors, secret), `${operation.label} leaked in errors`).toEqual([]);
    }
  });

  it('answers every field to some allowed principal, gives each customer query some of the customer, and all of it in total', async () => {
    const seen = new Set<string>();
    const answered = new Set<string>();
    const reachedCustomer = new Set<string>();
    for (const [who, credential] of allowed) {
      for (const operation of generated.operations) {
        const { body } = await ask(credential, operation);
        for (const error of body.errors ?? []) expect(allowedRefusalCodes.has(error.extensions?.code), `${who}, ${operation.label}: ${error.extensions?.code} ${error.message}`).toBe(true);
        if (!body.errors) answered.add(operation.label);
        const found = valuesIn(body.data, [...customerValues, world.customerId]);
        if (found.length > 0) reachedCustomer.add(operation.label);
        for (const value of found) seen.add(value);
      }
    }
    const labels = generated.operations.map((operation) => operation.label);
    expect(labels.filter((label) => !answered.has(label)), 'no allowed principal could run these: the probe is not exercised').toEqual([]);
    const customerQueries = generated.operations.filter((operation) => operation.kind !== 'mutation' && [...operation.covered].some((type) => customerDataTypes.has(type)));
    expect(customerQueries.map((operation) => operation.label).filter((label) => !reachedCustomer.has(label)), 'these customer queries returned none of the customer to any allowed principal').toEqual([]);
    expect([...seen].sort()).toEqual([...customerValues, world.customerId].sort());
  });
});
