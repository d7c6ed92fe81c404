import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { customerRecordInput, parseOrThrow } from '@tandem/schema';
import {
  AccessAuditEntryEntity,
  AccessAuditor,
  applyCustomerRecord,
  DeterministicIdentityResolver,
  recordActivity,
  recordDeadLetter,
  recordTask,
  type Em,
  type Orm,
} from '@tandem/core';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';
import type { Principal } from '../src/auth/principal.js';
import { registerPartnerWorld, startGateway } from './support.js';

const nodeFields = /* GraphQL */ `
  fragment NodeFields on Node {
    __typename
    id
    ... on Customer { displayName phones { value } }
    ... on Activity { subject content }
    ... on Task { title customerId }
    ... on Party { name }
    ... on DeadLetter { errorCode }
  }
`;
const nodeQuery = `query($id: ID!) { node(id: $id) { ...NodeFields } } ${nodeFields}`;
const nodesQuery = `query($ids: [ID!]!) { nodes(ids: $ids) { ...NodeFields } } ${nodeFields}`;

const berlinStaff: Principal = { subject: 'anna', party: 'dealer-berlin', role: 'dealer_staff' };
/** Principals who must not see dealer-berlin's customer: each must get what an unknown id gets. */
const forbidden: readonly (readonly [string, Principal])[] = [
  ["another dealer's staff", { subject: 'hanna', party: 'dealer-hamburg', role: 'dealer_staff' }],
  ['an interaction-center agent acting for a client without access', { subject: 'ilze', party: 'ic-nordic', role: 'agent', actingFor: 'oem' }],
  ['a party whose agreement expired', { subject: 'erik', party: 'dealer-expired', role: 'dealer_staff' }],
];

describe.each(testDialects())('node(id:) and nodes(ids:) on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let auditor: AccessAuditor;
  const world = { customerId: '', activityId: '', taskId: '', deadLetterId: '', others: [] as string[] };
  let counting = false;
  let statements = 0;
  const fork = () => orm.em.fork() as Em;

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    (orm.em as Em).getKnex().on('query', () => {
      if (counting) statements += 1;
    });
    const em = fork();
    await registerPartnerWorld(em);
    const at = new Date('2026-03-01T00:00:00Z');
    await em.transactional(async (tx) => {
      for (let n = 0; n < 11; n += 1) {
        const record = parseOrThrow(customerRecordInput('DE'), { externalId: `DMS-${n}`, givenName: 'Nora', familyName: `Knotenberg${n}`, phones: [{ value: `0151 2345${String(n).padStart(4, '0')}` }] });
        const { customerId } = await applyCustomerRecord(tx as Em, new DeterministicIdentityResolver(), 'dealer-berlin', record, at);
        if (n === 0) world.customerId = customerId;
        else world.others.push(customerId);
      }
      const activity = await recordActivity(
        tx as Em,
        'dealer-berlin',
        { externalId: 'ACT-1', customerExternalId: 'DMS-0', channel: 'letter', direction: 'outbound', occurredAt: new Date('2026-04-01T09:00:00Z'), subject: 'Angebot Knoten', content: 'Sehr geehrte Frau Knotenberg0' },
        at,
      );
      world.activityId = activity.id;
      const { task } = await recordTask(tx as Em, 'dealer-berlin', { externalId: 'TASK-1', customerExternalId: 'DMS-0', assignee: 'insurer', kind: 'callback', title: 'Rückruf Knoten' }, at);
      world.taskId = task.id;
      const letter = recordDeadLetter(tx as Em, {
        source: { kind: 'webhook', party: 'dealer-berlin', requestId: 'req-1' },
        party: 'dealer-berlin',
        originalBytes: Buffer.from('{"broken":'),
        errorCode: 'MALFORMED_JSON',
        errorMessage: 'not JSON',
        issues: [],
      });
      world.deadLetterId = letter.id;
    });
    auditor = new AccessAuditor(orm, { flushIntervalMs: 60_000 });
    gateway = await startGateway(orm, { auditor });
  });
  afterAll(async () => {
    await gateway?.close();
    await auditor?.close();
    await close();
  });

  it('finds every kind of record by its id, in the order asked, with null for what does not exist', async () => {
    const unknown = uuidv7();
    const ids = [world.taskId, world.customerId, world.activityId, 'dealer-berlin', world.deadLetterId, unknown, 'no-such-party', 'not an id'];
    const { body } = await gateway.graphql(nodesQuery, { ids }, berlinStaff);
    expect(body.errors).toBeUndefined();
    expect(body.data.nodes).toEqual([
      { __typename: 'Task', id: world.taskId, title: 'Rückruf Knoten', customerId: world.customerId },
      { __typename: 'Customer', id: world.customerId, displayName: 'Nora Knotenberg0', phones: [{ value: '+4915123450000' }] },
      { __typename: 'Activity', id: world.activityId, subject: 'Angebot Knoten', content: 'Sehr geehrte Frau Knotenberg0' },
      { __typename: 'Party', id: 'dealer-berlin', name: 'Party dealer-berlin' },
      { __typename: 'DeadLetter', id: world.deadLetterId, errorCode: 'MALFORMED_JSON' },
      null,
      null,
      null,
    ]);
    const single = await gateway.graphql(nodeQuery, { id: world.customerId }, berlinStaff);
    expect(single.body).toEqual({ data: { node: body.data.nodes[1] } });
  });

  it('answers customer(id:) and node(id:) with null for an id that is no hub id (PostgreSQL used to fail it as an unexpected error)', async () => {
    const { body } = await gateway.graphql(`{ customer(id: "not-a-uuid") { id } node(id: "not-a-uuid") { id } }`, {}, berlinStaff);
    expect(body).toEqual({ data: { customer: null, node: null } });
  });

  it('answers a granted party through its agreement', async () => {
    const { body } = await gateway.graphql(nodesQuery, { ids: [world.customerId, world.activityId, world.taskId] }, { subject: 'ines', party: 'insurer', role: 'manager' });
    expect(body.data.nodes.map((node: { __typename: string } | null) => node?.__typename)).toEqual(['Customer', 'Activity', 'Task']);
  });

  it.each(forbidden)('gives %s exactly what an id that does not exist gets', async (_who, principal) => {
    const nothing = await gateway.graphql(nodeQuery, { id: uuidv7() }, principal);
    expect(nothing.body).toEqual({ data: { node: null } });
    for (const id of [world.customerId, world.activityId, world.taskId, world.deadLetterId]) {
      const { status, body } = await gateway.graphql(nodeQuery, { id }, principal);
      expect(status).toBe(200);
      expect(body, id).toEqual(nothing.body);
    }
    const many = await gateway.graphql(nodesQuery, { ids: [world.customerId, world.activityId, world.taskId, world.deadLetterId, uuidv7()] }, principal);
    expect(many.body).toEqual({ data: { nodes: [null, null, null, null, null] } });
  });

  it("gives an admin every party's dead letter, like deadLetters does (anyone else gets only its own party's: above)", async () => {
    const admin = await gateway.graphql(nodeQuery, { id: world.deadLetterId }, { subject: 'root', party: 'dealer-hamburg', role: 'admin' });
    expect(admin.body.data.node).toMatchObject({ __typename: 'DeadLetter', id: world.deadLetterId });
  });

  it('loads a batch of ids with as many statements as a single id', async () => {
    const measure = async (ids: string[]) => {
      statements = 0;
      counting = true;
      const { body } = await gateway.graphql(nodesQuery, { ids }, berlinStaff);
      counting = false;
      expect(body.errors).toBeUndefined();
      expect(body.data.nodes.every((node: unknown) => node !== null)).toBe(true);
      return statements;
    };
    const one = await measure([world.others[0]!]);
    const ten = await measure(world.others);
    expect(one).toBeGreaterThan(0);
    expect(ten).toBe(one);
  });

  it('records reads through node in the access audit, and nothing for a denied one', async () => {
    await gateway.graphql(nodesQuery, { ids: [world.customerId, world.activityId, world.taskId] }, { ...berlinStaff, subject: 'node-reader' });
    await gateway.graphql(nodesQuery, { ids: [world.customerId, world.activityId, world.taskId] }, { subject: 'node-snooper', party: 'dealer-hamburg', role: 'dealer_staff' });
    await auditor.flush();
    const rows = await fork().find(AccessAuditEntryEntity, { principal: { $in: ['node-reader', 'node-snooper'] } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ principal: 'node-reader', party: 'dealer-berlin', customer: world.customerId });
    expect(rows[0]!.dataClasses).toEqual(['activities', 'contact', 'content', 'identity', 'tasks']);
  });

  it('refuses more than 100 ids, naming the argument', async () => {
    const { body } = await gateway.graphql('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: Array.from({ length: 101 }, () => uuidv7()) }, berlinStaff);
    expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', issues: [{ path: 'ids', message: 'must list at most 100 ids' }] } });
  });

  it('prices nodes(ids:) by the number of ids: a selection that fits for one record is refused for ten (cost limit)', async () => {
    const heavy = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Customer { activities(first: 100) { edges { node { id subject } } } } } }`;
    const one = await gateway.graphql(heavy, { ids: [world.customerId] }, berlinStaff);
    expect(one.body.errors).toBeUndefined();
    for (const ids of [world.others, `[${world.others.map((id) => `"${id}"`).join(', ')}]`]) {
      const { body } = typeof ids === 'string' ? await gateway.graphql(heavy.replace('query($ids: [ID!]!)', 'query').replace('$ids', ids), {}, berlinStaff) : await gateway.graphql(heavy, { ids }, berlinStaff);
      expect(body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'COST_LIMIT', limit: 5000 });
      expect(body.data).toBeUndefined();
    }
  });

  it('needs credentials', async () => {
    const { status, body } = await gateway.graphql(nodeQuery, { id: world.customerId });
    expect(status).toBe(401);
    expect(body.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
