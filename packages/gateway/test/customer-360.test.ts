import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { isInputObjectType } from 'graphql';
import { activityRecordInput, argumentationAidInput, consentInput, customerRecordInput, parseOrThrow, taskInput, topics, type CustomerRecordInput } from '@tandem/schema';
import {
  AccessAuditEntryEntity,
  AccessAuditor,
  ActivityEntity,
  applyCustomerRecord,
  ArgumentationAidEntity,
  ConsentEntity,
  CustomerEntity,
  DeadLetterEntity,
  DeterministicIdentityResolver,
  grantSharing,
  OutboxMessageEntity,
  recordActivity,
  recordConsent,
  recordTask,
  SourceRecordEntity,
  TaskEntity,
  upsertParty,
  type Em,
  type Orm,
} from '@tandem/core';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';
import type { Principal } from '../src/auth/principal.js';
import { schema } from '../src/graphql/schema.js';
import { startGateway } from './support.js';

const customer360 = /* GraphQL */ `
  query Customer360($id: ID!) {
    customer(id: $id) {
      id displayName
      consent { purpose channel granted proof source { party visibility } }
      openTasks { id title status creator assignee onBehalfOf }
      argumentationAids { title brand }
      activities(first: 10) { edges { node { id subject party onBehalfOf } } }
    }
  }
`;

const dealer: Principal = { subject: 'anna', party: 'dealer-berlin', role: 'dealer_staff' };
const aarhus: Principal = { subject: 'mads', party: 'dealer-aarhus', role: 'dealer_staff' };
const agentForOem: Principal = { subject: 'ilze', party: 'ic-riga', role: 'agent', actingFor: 'oem' };
const agentForMoto: Principal = { subject: 'ilze', party: 'ic-riga', role: 'agent', actingFor: 'moto' };
const dpo = (party: string): Principal => ({ subject: `dpo-${party}`, party, role: 'dpo' });

describe('mutation inputs', () => {
  it('carry exactly the fields of their partner contracts (the sender and its client come from the caller)', () => {
    const fieldsOf = (name: string) => {
      const type = schema.getType(name);
      if (!isInputObjectType(type)) throw new Error(`${name} is not an input type`);
      return Object.keys(type.getFields()).sort();
    };
    const without = (keys: string[], ...dropped: string[]) => keys.filter((key) => !dropped.includes(key)).sort();
    expect(fieldsOf('RecordActivityInput')).toEqual(without(Object.keys(activityRecordInput.shape), 'onBehalfOf'));
    expect(fieldsOf('UpsertContactInput')).toEqual(without(Object.keys(customerRecordInput().shape), 'onBehalfOf'));
    expect(fieldsOf('RecordConsentInput')).toEqual(without(Object.keys(consentInput.shape)));
    expect(fieldsOf('CreateTaskInput')).toEqual(without(Object.keys(taskInput.shape), 'onBehalfOf'));
  });
});

describe.each(testDialects())('customer 360, mutations and access audit on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let auditor: AccessAuditor;
  let customerId: string;
  let oemToBerlin: string;
  const fork = () => orm.em.fork() as Em;

  /** Outbound envelopes written for `party` after log position `after`. */
  async function outboxFor(party: string, after: number) {
    const rows = await fork().find(OutboxMessageEntity, { topic: topics.outbound(party), position: { $gt: after } }, { orderBy: { position: 'asc' } });
    return rows.map((row) => JSON.parse(row.payload) as { type: string; source: string; payload: Record<string, unknown> });
  }
  async function logHead(): Promise<number> {
    const [last] = await fork().find(OutboxMessageEntity, {}, { orderBy: { position: 'desc' }, limit: 1 });
    return last?.position ?? 0;
  }

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    const em = fork();
    await upsertParty(em, { id: 'oem', kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin', brands: ['Nordwagen'] });
    await upsertParty(em, { id: 'moto', kind: 'manufacturer', name: 'Kettenrad SE', country: 'DE', timeZone: 'Europe/Berlin', brands: ['Kettenrad'] });
    await upsertParty(em, { id: 'dealer-berlin', kind: 'dealer', name: 'Autohaus Köpenick', country: 'DE', timeZone: 'Europe/Berlin', brands: ['Nordwagen'] });
    await upsertParty(em, { id: 'dealer-aarhus', kind: 'dealer', name: 'Århus Bilcenter', country: 'DK', timeZone: 'Europe/Copenhagen', brands: ['Nordwagen'] });
    await upsertParty(em, { id: 'ic-riga', kind: 'interaction_center', name: 'Baltic Contact SIA', country: 'LV', timeZone: 'Europe/Riga', clients: ['oem', 'moto'] });
    const since = '2020-01-01T00:00:00Z';
    const grant = (grantor: string, grantee: string, dataClasses: ('identity' | 'contact' | 'vehicles' | 'activities' | 'content' | 'consent' | 'tasks')[]) =>
      grantSharing(em, { grantor, grantee, dataClasses, purpose: 'service', validFrom: since });
    oemToBerlin = (await grant('oem', 'dealer-berlin', ['identity', 'contact', 'vehicles', 'activities', 'consent', 'tasks'])).id;
    await grant('oem', 'dealer-aarhus', ['identity', 'contact', 'vehicles', 'activities']);
    await grant('oem', 'ic-riga', ['identity', 'contact', 'vehicles', 'activities', 'consent']);
    await grant('moto', 'ic-riga', ['identity', 'contact', 'vehicles']);
    await grant('ic-riga', 'dealer-berlin', ['identity', 'activities', 'tasks']);
    await grant('dealer-berlin', 'oem', ['identity', 'activities', 'tasks']);

    const resolver = new DeterministicIdentityResolver();
    const at = new Date('2026-03-01T00:00:00Z');
    const apply = (party: string, input: CustomerRecordInput) =>
      em.transactional((tx) => applyCustomerRecord(tx as Em, resolver, party, parseOrThrow(customerRecordInput('DE'), input), at));
    const phone = [{ value: '+4915123456789' }];
    ({ customerId } = await apply('oem', { externalId: 'OEM-1', givenName: 'Jürgen', familyName: 'Weiß', phones: phone, vehicles: [{ vin: 'WNW1234567A123456', brand: 'Nordwagen', model: 'Fjord' }] }));
    await apply('dealer-berlin', { externalId: 'DMS-1', givenName: 'Jürgen', familyName: 'Weiß', phones: phone });
    await apply('moto', { externalId: 'MOTO-1', givenName: 'Jürgen', familyName: 'Weiß', phones: phone, vehicles: [{ vin: 'KTR1234567B123456', brand: 'Kettenrad', model: 'Blitz' }] });
    await apply('ic-riga', { externalId: 'IC-1', givenName: 'Jürgen', familyName: 'Weiß', phones: phone });
    await em.transactional(async (tx) => {
      await recordActivity(tx as Em, 'oem', { externalId: 'L-1', customerExternalId: 'OEM-1', channel: 'letter', direction: 'outbound', occurredAt: new Date('2026-03-02T09:00:00Z'), subject: 'Service reminder' }, at);
      await recordConsent(tx as Em, 'oem', parseOrThrow(consentInput, { customerExternalId: 'OEM-1', purpose: 'marketing', channel: 'email', granted: true, recordedAt: '2026-03-01T10:00:00Z', proof: 'web form 881' }));
      await recordTask(tx as Em, 'oem', parseOrThrow(taskInput, { externalId: 'T-1', customerExternalId: 'OEM-1', assignee: 'dealer-berlin', kind: 'service_appointment', title: 'Book the Fjord inspection' }), at);
      const aids = [
        { brand: 'Nordwagen', title: 'Fjord inspection offer', body: 'Offer the 10 % inspection bonus.', language: 'de', appliesTo: { vehicleModels: ['fjord'] } },
        { brand: 'Nordwagen', title: 'Nordwagen greeting', body: 'Welcome to Nordwagen.', language: 'de' },
        { brand: 'Nordwagen', title: 'Kometa launch', body: 'Test-drive the Kometa.', language: 'de', appliesTo: { vehicleModels: ['Kometa'] } },
        { brand: 'Nordwagen', title: 'Fleet offer', body: 'Fleet rates.', language: 'de', appliesTo: { customerKinds: ['company'] } },
        { brand: 'Kettenrad', title: 'Blitz recall', body: 'Check the chain tensioner.', language: 'de', appliesTo: { vehicleModels: ['Blitz'] } },
      ];
      for (const input of aids) tx.create(ArgumentationAidEntity, { id: uuidv7(), ...parseOrThrow(argumentationAidInput, input), createdAt: at });
    });
    auditor = new AccessAuditor(orm, { flushIntervalMs: 60_000 });
    gateway = await startGateway(orm, { auditor });
  });
  afterAll(async () => {
    await gateway.close();
    await auditor.close();
    await close();
  });

  describe('customer 360', () => {
    it('shows a dealer consent, its open tasks, its brand aids and the timeline', async () => {
      const { body } = await gateway.graphql(customer360, { id: customerId }, dealer);
      expect(body.errors).toBeUndefined();
      const customer = body.data.customer;
      expect(customer.consent).toEqual([{ purpose: 'marketing', channel: 'email', granted: true, proof: 'web form 881', source: { party: 'oem', visibility: 'AGREEMENT' } }]);
      expect(customer.openTasks).toMatchObject([{ title: 'Book the Fjord inspection', status: 'open', creator: 'oem', assignee: 'dealer-berlin', onBehalfOf: null }]);
      expect(customer.argumentationAids.map((aid: { title: string }) => aid.title)).toEqual(['Fjord inspection offer', 'Nordwagen greeting']);
      expect(customer.activities.edges.map((edge: { node: { subject: string } }) => edge.node.subject)).toContain('Service reminder');
    });

    it('gives a party without the consent and tasks classes no consent and no tasks, but the rest', async () => {
      const { body } = await gateway.graphql(customer360, { id: customerId }, aarhus);
      expect(body.errors).toBeUndefined();
      expect(body.data.customer).toMatchObject({ id: customerId, consent: [], openTasks: [] });
      expect(body.data.customer.activities.edges.length).toBeGreaterThan(0);
    });

    it("gives an interaction center acting for a client that client's aids only", async () => {
      const forOem = await gateway.graphql(customer360, { id: customerId }, agentForOem);
      const forMoto = await gateway.graphql(customer360, { id: customerId }, agentForMoto);
      expect(forOem.body.errors).toBeUndefined();
      expect(forMoto.body.errors).toBeUndefined();
      expect(forOem.body.data.customer.argumentationAids.map((aid: { title: string }) => aid.title)).toEqual(['Fjord inspection offer', 'Nordwagen greeting']);
      expect(forMoto.body.data.customer.argumentationAids).toEqual([{ title: 'Blitz recall', brand: 'Kettenrad' }]);
      // Consent comes under oem's agreement only: acting for moto shows none, and neither sees the dealer's task.
      expect(forOem.body.data.customer.consent).toHaveLength(1);
      expect(forMoto.body.data.customer.consent).toEqual([]);
      expect(forMoto.body.data.customer.activities.edges).toEqual([]);
      expect(forOem.body.data.customer.openTasks).toEqual([]);
    });
  });

  describe('mutations', () => {
    const recordActivityMutation = /* GraphQL */ `
      mutation($input: RecordActivityInput!) {
        recordActivity(input: $input) { id party onBehalfOf subject outcome actor occurredAt channel }
      }
    `;

    it('recordActivity: stores the activity through the pipeline and shares it with a granted party', async () => {
      const head = await logHead();
      const { body } = await gateway.graphql(
        recordActivityMutation,
        { input: { customerExternalId: 'DMS-1', channel: 'walk_in', direction: 'inbound', occurredAt: '2026-04-01T10:00:00+02:00', subject: 'Test drive', outcome: 'offer sent' } },
        dealer,
      );
      expect(body.errors).toBeUndefined();
      const activity = body.data.recordActivity;
      expect(activity).toMatchObject({ party: 'dealer-berlin', onBehalfOf: null, subject: 'Test drive', actor: 'anna', occurredAt: '2026-04-01T08:00:00.000Z', channel: 'walk_in' });
      const shared = (await outboxFor('oem', head)).filter((event) => event.type === 'activity.shared');
      expect(shared).toMatchObject([{ source: 'dealer-berlin', payload: { activityId: activity.id, customerId, outcome: 'offer sent' } }]);
    });

    it("recordActivity: an interaction-center agent's activity is made on behalf of the client it acts for", async () => {
      const head = await logHead();
      const { body } = await gateway.graphql(
        recordActivityMutation,
        { input: { externalId: 'CALL-1', customerExternalId: 'IC-1', channel: 'phone', direction: 'inbound', occurredAt: '2026-04-02T08:00:00Z', subject: 'Inspection question' } },
        agentForOem,
      );
      expect(body.errors).toBeUndefined();
      expect(body.data.recordActivity).toMatchObject({ party: 'ic-riga', onBehalfOf: 'oem', actor: 'ilze' });
      expect((await outboxFor('dealer-berlin', head)).map((event) => [event.type, event.payload.onBehalfOf])).toContainEqual(['activity.shared', 'oem']);
    });

    it('recordActivity: a bad input names the field and the reason, and writes nothing', async () => {
      const before = { activities: await fork().count(ActivityEntity), outbox: await logHead(), deadLetters: await fork().count(DeadLetterEntity) };
      const { body } = await gateway.graphql(
        recordActivityMutation,
        { input: { customerExternalId: 'DMS-1', channel: 'phone', direction: 'inbound', occurredAt: 'yesterday', durationSeconds: -5 } },
        dealer,
      );
      expect(body.data).toBeNull();
      expect(body.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        issues: expect.arrayContaining([
          { path: 'input.occurredAt', message: 'must be an ISO 8601 date-time with offset' },
          { path: 'input.durationSeconds', message: 'must not be negative' },
        ]),
      });
      expect({ activities: await fork().count(ActivityEntity), outbox: await logHead(), deadLetters: await fork().count(DeadLetterEntity) }).toEqual(before);
    });

    it('recordActivity: an unknown customer is NOT_FOUND with its code and field, not an unexpected error, and leaves no dead letter', async () => {
      const before = { activities: await fork().count(ActivityEntity), outbox: await logHead(), deadLetters: await fork().count(DeadLetterEntity) };
      const { body } = await gateway.graphql(
        recordActivityMutation,
        { input: { customerExternalId: 'NOPE', channel: 'phone', direction: 'inbound', occurredAt: '2026-04-01T10:00:00Z' } },
        dealer,
      );
      expect(body.errors?.[0].extensions).toEqual({
        code: 'NOT_FOUND',
        reason: 'UNKNOWN_CUSTOMER',
        issues: [{ path: 'input.customerExternalId', message: 'dealer-berlin has no customer with this id' }],
      });
      expect({ activities: await fork().count(ActivityEntity), outbox: await logHead(), deadLetters: await fork().count(DeadLetterEntity) }).toEqual(before);
    });

    const upsertContactMutation = /* GraphQL */ `
      mutation($input: UpsertContactInput!) {
        upsertContact(input: $input) { customerId customer { displayName phones { value source { party } } } }
      }
    `;

    it("upsertContact: links the record, reads national phones in the caller's country, and projects the customer to granted parties", async () => {
      const head = await logHead();
      const { body } = await gateway.graphql(
        upsertContactMutation,
        { input: { externalId: 'DMS-2', givenName: 'Erika', familyName: 'Mustermann', phones: [{ value: '030 1234567', label: 'home' }], emails: [{ value: 'Erika@Example.DE' }] } },
        dealer,
      );
      expect(body.errors).toBeUndefined();
      expect(body.data.upsertContact.customer).toEqual({ displayName: 'Erika Mustermann', phones: [{ value: '+49301234567', source: { party: 'dealer-berlin' } }] });
      const projected = (await outboxFor('oem', head)).filter((event) => event.type === 'customer.projected');
      expect(projected).toMatchObject([{ source: 'dealer-berlin', payload: { customerId: body.data.upsertContact.customerId } }]);
    });

    it('upsertContact: bad input names each field and the reason, and writes nothing', async () => {
      const before = { customers: await fork().count(CustomerEntity), sources: await fork().count(SourceRecordEntity), outbox: await logHead() };
      const missingName = await gateway.graphql(upsertContactMutation, { input: { externalId: 'DMS-3', givenName: 'Nobody' } }, dealer);
      expect(missingName.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', issues: [{ path: 'input.familyName', message: 'is required for a person' }] });
      const badPhone = await gateway.graphql(upsertContactMutation, { input: { externalId: 'DMS-3', familyName: 'Nobody', phones: [{ value: '12' }] } }, dealer);
      expect(badPhone.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', issues: [{ path: 'input.phones.0.value', message: expect.stringMatching(/^"12" /) }] });
      expect({ customers: await fork().count(CustomerEntity), sources: await fork().count(SourceRecordEntity), outbox: await logHead() }).toEqual(before);
    });

    it("upsertContact: an interaction-center agent's record is the client's data, seen by the client's grantees and by the agent only while acting for that client", async () => {
      const head = await logHead();
      const input = { externalId: 'IC-20', givenName: 'Laura', familyName: 'Kalniņa', phones: [{ value: '+371 2612 5555', label: 'mobile' }] };
      const { body } = await gateway.graphql(upsertContactMutation, { input }, agentForOem);
      expect(body.errors).toBeUndefined();
      expect(body.data.upsertContact.customer).toEqual({ displayName: 'Laura Kalniņa', phones: [{ value: '+37126125555', source: { party: 'ic-riga' } }] });
      const id = body.data.upsertContact.customerId;
      expect(await fork().findOneOrFail(SourceRecordEntity, { party: 'ic-riga', externalId: 'IC-20' })).toMatchObject({ onBehalfOf: 'oem' });

      // Fan-out under the client's agreements: the OEM (its own data) and its grantee, never the other client.
      const projectedTo = async (party: string) => (await outboxFor(party, head)).filter((event) => event.type === 'customer.projected').map((event) => event.payload);
      expect(await projectedTo('oem')).toMatchObject([{ customerId: id, contact: { phones: [{ value: '+37126125555' }] } }]);
      expect(await projectedTo('dealer-berlin')).toMatchObject([{ customerId: id, contact: { phones: [{ value: '+37126125555' }] } }]);
      expect(await projectedTo('moto')).toEqual([]);
      expect(await projectedTo('ic-riga')).toEqual([]);

      const reads = /* GraphQL */ `
        query($id: ID!, $phone: String!) {
          customer(id: $id) { phones { value } }
          customers(search: $phone) { customers { id } }
          node(id: $id) { ... on Customer { phones { value } } }
        }
      `;
      const seenBy = async (principal: Principal) => {
        const result = await gateway.graphql(reads, { id, phone: '+371 2612 5555' }, principal);
        expect(result.body.errors).toBeUndefined();
        return result.body.data;
      };
      const phones = { phones: [{ value: '+37126125555' }] };
      expect(await seenBy(agentForOem)).toEqual({ customer: phones, customers: { customers: [{ id }] }, node: phones });
      expect(await seenBy(dealer)).toEqual({ customer: phones, customers: { customers: [{ id }] }, node: phones });
      expect(await seenBy(agentForMoto)).toEqual({ customer: null, customers: { customers: [] }, node: null });

      // Provenance names the client the value was captured for, to the client's grantee as to the agent.
      const provenance = /* GraphQL */ `query($id: ID!) { customer(id: $id) { phones { source { party onBehalfOf } } sources { party externalId onBehalfOf } } }`;
      for (const principal of [agentForOem, dealer]) {
        const result = await gateway.graphql(provenance, { id }, principal);
        expect(result.body.errors).toBeUndefined();
        expect(result.body.data.customer).toEqual({
          phones: [{ source: { party: 'ic-riga', onBehalfOf: 'oem' } }],
          sources: [{ party: 'ic-riga', externalId: 'IC-20', onBehalfOf: 'oem' }],
        });
      }
    });

    it('upsertContact: an interaction center cannot send contact data for no client', async () => {
      const before = { sources: await fork().count(SourceRecordEntity), outbox: await logHead() };
      const unscoped: Principal = { subject: 'ilze', party: 'ic-riga', role: 'agent' };
      const { body } = await gateway.graphql(upsertContactMutation, { input: { externalId: 'IC-21', familyName: 'Nobody' } }, unscoped);
      expect(body.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect({ sources: await fork().count(SourceRecordEntity), outbox: await logHead() }).toEqual(before);
    });

    const recordConsentMutation = /* GraphQL */ `
      mutation($input: RecordConsentInput!) {
        recordConsent(input: $input) { customerId decision { purpose channel granted proof source { party visibility } } }
      }
    `;

    it('recordConsent: records the decision and shows it in the 360', async () => {
      const { body } = await gateway.graphql(
        recordConsentMutation,
        { input: { customerExternalId: 'DMS-1', purpose: 'surveys', granted: false, recordedAt: '2026-04-03T12:00:00Z', proof: 'call 4711' } },
        dealer,
      );
      expect(body.errors).toBeUndefined();
      expect(body.data.recordConsent).toEqual({
        customerId,
        decision: { purpose: 'surveys', channel: null, granted: false, proof: 'call 4711', source: { party: 'dealer-berlin', visibility: 'OWN' } },
      });
      const view = await gateway.graphql(customer360, { id: customerId }, dealer);
      expect(view.body.data.customer.consent.map((consent: { purpose: string }) => consent.purpose)).toEqual(['marketing', 'surveys']);
    });

    it('recordConsent: a missing proof names the field, and nothing is stored', async () => {
      const before = await fork().count(ConsentEntity);
      const { body } = await gateway.graphql(recordConsentMutation, { input: { customerExternalId: 'DMS-1', purpose: 'marketing', granted: true, proof: '  ' } }, dealer);
      expect(body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', issues: [{ path: 'input.proof', message: 'must say how the decision was captured' }] });
      expect(await fork().count(ConsentEntity)).toBe(before);
    });

    const createTaskMutation = /* GraphQL */ `
      mutation($input: CreateTaskInput!) {
        createTask(input: $input) { id status creator assignee onBehalfOf title dueAt }
      }
    `;
    const taskStatusMutation = (name: 'acceptTask' | 'completeTask') => `mutation($id: ID!) { ${name}(id: $id) { id status } }`;
    let leadId: string;

    it('createTask: an agent hands a lead to the dealer, which receives task.assigned', async () => {
      const head = await logHead();
      const { body } = await gateway.graphql(
        createTaskMutation,
        { input: { customerExternalId: 'IC-1', assignee: 'dealer-berlin', kind: 'lead', title: 'Wants a Kometa offer', dueAt: '2026-04-05T16:00:00Z' } },
        agentForOem,
      );
      expect(body.errors).toBeUndefined();
      expect(body.data.createTask).toMatchObject({ status: 'open', creator: 'ic-riga', assignee: 'dealer-berlin', onBehalfOf: 'oem', dueAt: '2026-04-05T16:00:00.000Z' });
      leadId = body.data.createTask.id;
      expect(await outboxFor('dealer-berlin', head)).toMatchObject([{ type: 'task.assigned', source: 'ic-riga', payload: { taskId: leadId, status: 'open' } }]);
      const view = await gateway.graphql(customer360, { id: customerId }, dealer);
      expect(view.body.data.customer.openTasks.map((task: { id: string }) => task.id)).toContain(leadId);
    });

    it('createTask: an empty title names the field, an assignee without the tasks class is FORBIDDEN; nothing is stored', async () => {
      const before = { tasks: await fork().count(TaskEntity), outbox: await logHead(), deadLetters: await fork().count(DeadLetterEntity) };
      const empty = await gateway.graphql(createTaskMutation, { input: { customerExternalId: 'DMS-1', assignee: 'oem', kind: 'callback', title: '   ' } }, dealer);
      expect(empty.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', issues: [{ path: 'input.title', message: 'must not be empty' }] });
      const unshared = await gateway.graphql(createTaskMutation, { input: { customerExternalId: 'DMS-1', assignee: 'dealer-aarhus', kind: 'callback', title: 'Call back' } }, dealer);
      expect(unshared.body.errors?.[0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        reason: 'TASK_NOT_SHARED',
        issues: [{ path: 'input.assignee', message: 'holds no agreement from dealer-berlin that shares tasks' }],
      });
      expect({ tasks: await fork().count(TaskEntity), outbox: await logHead(), deadLetters: await fork().count(DeadLetterEntity) }).toEqual(before);
    });

    it('acceptTask and completeTask: the assignee moves the task, the creator hears of each change', async () => {
      const head = await logHead();
      const accepted = await gateway.graphql(taskStatusMutation('acceptTask'), { id: leadId }, dealer);
      expect(accepted.body.errors).toBeUndefined();
      expect(accepted.body.data.acceptTask).toEqual({ id: leadId, status: 'accepted' });
      const completed = await gateway.graphql(taskStatusMutation('completeTask'), { id: leadId }, dealer);
      expect(completed.body.data.completeTask).toEqual({ id: leadId, status: 'completed' });
      expect((await outboxFor('ic-riga', head)).map((event) => [event.type, event.payload.taskId, event.payload.status])).toEqual([
        ['task.assigned', leadId, 'accepted'],
        ['task.assigned', leadId, 'completed'],
      ]);
      const view = await gateway.graphql(customer360, { id: customerId }, dealer);
      expect(view.body.data.customer.openTasks.map((task: { id: string }) => task.id)).not.toContain(leadId);
    });

    it('acceptTask: a malformed id names the argument; a party off the hand-off gets NOT_FOUND; nothing changes', async () => {
      const [task] = await fork().find(TaskEntity, { externalId: 'T-1' });
      const head = await logHead();
      const malformed = await gateway.graphql(taskStatusMutation('acceptTask'), { id: 'task-1' }, dealer);
      expect(malformed.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', issues: [{ path: 'id', message: 'must be a UUID' }] });
      const stranger = await gateway.graphql(taskStatusMutation('acceptTask'), { id: task!.id }, aarhus);
      expect(stranger.body.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND' });
      expect((await fork().findOneOrFail(TaskEntity, { id: task!.id })).status).toBe('open');
      expect(await logHead()).toBe(head);
    });

    it('refuses writes to a data-protection officer', async () => {
      const { body } = await gateway.graphql(taskStatusMutation('acceptTask'), { id: leadId }, dpo('dealer-berlin'));
      expect(body.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_MAY_NOT_WRITE' });
    });
  });

  describe('access audit', () => {
    const auditQuery = /* GraphQL */ `
      query($customerId: ID!, $first: Int, $after: String) {
        accessAudit(customerId: $customerId, first: $first, after: $after) {
          edges { node { principal role party actingFor customerId dataClasses agreementIds requestId at } }
          pageInfo { hasNextPage endCursor }
        }
      }
    `;

    it('records one entry per request and customer, with the classes returned and the agreements used, for the dpo to read', async () => {
      await auditor.flush();
      const before = await fork().count(AccessAuditEntryEntity, { customer: customerId });
      const search = `query { customers(search: "Weiß") { customers { id displayName } } customer(id: "${customerId}") { displayName consent { purpose } openTasks { id } activities(first: 5) { edges { node { id } } } } }`;
      const read = await gateway.graphql(search, {}, { subject: 'auditee', party: 'dealer-berlin', role: 'dealer_staff' });
      expect(read.body.errors).toBeUndefined();
      await auditor.flush();
      const rows = await fork().find(AccessAuditEntryEntity, { customer: customerId, principal: 'auditee' });
      expect(await fork().count(AccessAuditEntryEntity, { customer: customerId })).toBe(before + 1);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ party: 'dealer-berlin', role: 'dealer_staff', actingFor: null });
      // ic-riga's later statement of the shared phone does not hide the OEM's, which the dealer sees: `contact` is noted.
      expect(rows[0]!.dataClasses).toEqual(['activities', 'consent', 'contact', 'identity', 'tasks', 'vehicles']);
      expect(rows[0]!.agreementIds).toContain(oemToBerlin);

      const forDpo = await gateway.graphql(auditQuery, { customerId, first: 50 }, dpo('dealer-berlin'));
      expect(forDpo.body.errors).toBeUndefined();
      const entries = forDpo.body.data.accessAudit.edges.map((edge: { node: unknown }) => edge.node);
      expect(entries[0]).toMatchObject({ principal: 'auditee', party: 'dealer-berlin', customerId, agreementIds: expect.arrayContaining([oemToBerlin]) });
      expect(entries.every((entry: { party: string }) => entry.party === 'dealer-berlin')).toBe(true);
    });

    it("shows a grantor's dpo the reads of its data by others, and nothing of parties it has no part in", async () => {
      await gateway.graphql(customer360, { id: customerId }, agentForMoto);
      await auditor.flush();
      const oem = await gateway.graphql(auditQuery, { customerId }, dpo('oem'));
      const parties = new Set(oem.body.data.accessAudit.edges.map((edge: { node: { party: string } }) => edge.node.party));
      expect(parties.has('dealer-berlin')).toBe(true);
      const moto = await gateway.graphql(auditQuery, { customerId }, dpo('moto'));
      const motoEntries = moto.body.data.accessAudit.edges.map((edge: { node: { party: string; actingFor: string } }) => edge.node);
      expect(motoEntries.length).toBeGreaterThan(0);
      expect(motoEntries.every((entry: { party: string; actingFor: string }) => entry.party === 'ic-riga' && entry.actingFor === 'moto')).toBe(true);
    });

    it('pages with cursors', async () => {
      const first = await gateway.graphql(auditQuery, { customerId, first: 1 }, dpo('oem'));
      const page = first.body.data.accessAudit;
      expect(page.pageInfo.hasNextPage).toBe(true);
      const second = await gateway.graphql(auditQuery, { customerId, first: 1, after: page.pageInfo.endCursor }, dpo('oem'));
      expect(second.body.data.accessAudit.edges[0].node.requestId).not.toBe(page.edges[0].node.requestId);
    });

    it('is FORBIDDEN for every role but dpo', async () => {
      for (const principal of [dealer, { ...dealer, role: 'admin' } as const, { ...dealer, role: 'manager' } as const]) {
        const { body } = await gateway.graphql(auditQuery, { customerId }, principal);
        expect(body.errors?.[0].extensions, principal.role).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_REQUIRED' });
        expect(body.data).toBeNull();
      }
    });
  });
});
