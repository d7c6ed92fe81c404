import { describe, expect, it } from 'vitest';
import { activitySharedV1, customerProjectedV1, outboundPayloads, taskAssignedV1 } from '../src/index.js';

const customerId = '0b6f7c2e-1d3a-4e5f-8a9b-c0d1e2f3a4b5';
const pathsOf = (result: { error?: { issues: { path: PropertyKey[] }[] } | undefined }) =>
  result.error?.issues.map((issue) => issue.path.map(String).join('.'));

describe('customer.projected v1', () => {
  it('carries only the sections the recipient may see', () => {
    const identityOnly = {
      customerId,
      yourExternalIds: ['DK-4711'],
      identity: { kind: 'person', givenName: 'Søren', familyName: 'Mølgaard', companyName: null, preferredLanguage: 'da-DK' },
    } as const;
    const projected = customerProjectedV1.parse(identityOnly);
    expect(projected).toEqual(identityOnly);
    expect(projected).not.toHaveProperty('contact');
    expect(projected).not.toHaveProperty('vehicles');
  });

  it('carries contact points and vehicles when granted', () => {
    const full = {
      customerId,
      yourExternalIds: [],
      contact: {
        phones: [{ value: '+4520123456', label: 'mobile' }],
        emails: [{ value: 'soeren@bilhus.dk', label: 'home' }],
        addresses: [{ street: 'Østerbrogade 12', postalCode: '2100', city: 'København Ø', country: 'DK', label: 'home' }],
      },
      vehicles: [{ vin: 'WVWZZZ1JZ3W386752', brand: 'Volkswagen', model: 'Golf', registrationDate: '2021-04-30', relation: 'driver' }],
    } as const;
    expect(customerProjectedV1.parse(full)).toEqual(full);
  });

  it('refuses a projection without the recipient’s ids or with a bad label', () => {
    expect(pathsOf(customerProjectedV1.safeParse({ customerId: 'KD-1', contact: { phones: [{ value: '+4520123456', label: 'fax' }], emails: [], addresses: [] } }))).toEqual([
      'customerId',
      'yourExternalIds',
      'contact.phones.0.label',
    ]);
  });
});

describe('activity.shared v1', () => {
  const shared = {
    customerId,
    activityId: '9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a',
    party: 'ic-riga',
    channel: 'field_visit',
    direction: 'outbound',
    occurredAt: '2024-03-05T14:30:00+02:00',
    durationSeconds: 1800,
    subject: 'Probefahrt',
    outcome: 'no interest',
    onBehalfOf: 'dealer-berlin',
  } as const;

  it('carries the facts of a contact without its content', () => {
    expect(activitySharedV1.parse(shared)).toEqual(shared);
  });

  it('carries the content when granted', () => {
    expect(activitySharedV1.parse({ ...shared, content: 'Labdien, Jāni!' }).content).toBe('Labdien, Jāni!');
  });

  it('refuses a bad channel or a moment without offset', () => {
    expect(pathsOf(activitySharedV1.safeParse({ ...shared, channel: 'fax', occurredAt: '2024-03-05T14:30:00' }))).toEqual(['channel', 'occurredAt']);
  });
});

describe('task.assigned v1', () => {
  const assigned = {
    taskId: '5c4b3a29-1807-46f5-a4e3-d2c1b0a99887',
    customerId,
    creator: 'ic-riga',
    assignee: 'dealer-berlin',
    kind: 'lead',
    title: 'Probefahrt ID.4',
    description: null,
    dueAt: '2024-03-08T10:00:00+01:00',
    status: 'open',
  } as const;

  it('carries a task handed to the recipient', () => {
    expect(taskAssignedV1.parse(assigned)).toEqual(assigned);
  });

  it('refuses an unknown status or kind', () => {
    expect(pathsOf(taskAssignedV1.safeParse({ ...assigned, kind: 'todo', status: 'done' }))).toEqual(['kind', 'status']);
  });
});

describe('outbound payloads', () => {
  it('lists every outbound event with its versions', () => {
    expect(Object.keys(outboundPayloads).sort()).toEqual(['activity.shared', 'customer.projected', 'task.assigned']);
    expect(outboundPayloads['customer.projected'][1]).toBe(customerProjectedV1);
  });
});
