import { describe, expect, it } from 'vitest';
import { eventEnvelope, parseOrThrow, partyOfInboundTopic, sourceKey, topics, ValidationError, type FieldIssue } from '../src/index.js';

function envelopeIssues(input: unknown): FieldIssue[] {
  try {
    parseOrThrow(eventEnvelope, input);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  return expect.unreachable(`${JSON.stringify(input)} was accepted`);
}

const envelope = {
  id: '3f2b8c1e-6d4a-4c3b-9a7e-2f1d0c9b8a76',
  type: 'contact.upserted',
  version: 1,
  occurredAt: '2024-03-05T14:30:00+01:00',
  source: 'dealer-berlin',
  key: 'dealer-berlin:KD-2024-000123',
  payload: { externalId: 'KD-2024-000123' },
};

describe('event envelope', () => {
  it('accepts an envelope and leaves the payload to its contract', () => {
    expect(eventEnvelope.parse(envelope)).toEqual(envelope);
  });

  it.each(['contact.upserted', 'call.event', 'activity.shared', 'customer.consent-withdrawn'])('accepts the type %s', (type) => {
    expect(eventEnvelope.parse({ ...envelope, type }).type).toBe(type);
  });

  it.each(['contact', 'Contact.Upserted', 'contact.upserted.', 'contact_upserted', 'contact.upserted.v1'])('rejects the type %j', (type) => {
    expect(envelopeIssues({ ...envelope, type })).toEqual([{ path: 'type', message: 'must be a dotted event type such as contact.upserted' }]);
  });

  it.each([0, -1])('rejects version %d', (version) => {
    expect(envelopeIssues({ ...envelope, version })).toEqual([{ path: 'version', message: 'must be a positive integer' }]);
  });

  it('rejects a fractional or textual version', () => {
    expect(envelopeIssues({ ...envelope, version: 1.5 }).map((issue) => issue.path)).toEqual(['version']);
    expect(envelopeIssues({ ...envelope, version: '1' }).map((issue) => issue.path)).toEqual(['version']);
  });

  it('names every bad field', () => {
    expect(envelopeIssues({ id: '42', type: 'contact.upserted', version: 1, occurredAt: '2024-03-05 14:30', source: 'Dealer Berlin', key: '' })).toEqual([
      { path: 'id', message: 'must be a UUID' },
      { path: 'occurredAt', message: 'must be an ISO 8601 date-time with offset' },
      { path: 'source', message: 'must be 2–63 lower-case letters, digits or dashes, starting with a letter or digit' },
      { path: 'key', message: 'must not be empty' },
      { path: 'payload', message: 'Invalid input: expected nonoptional, received undefined' },
    ]);
  });
});

describe('topics', () => {
  it('names each party’s inbound and outbound topic', () => {
    expect(topics.inbound('dealer-riga')).toBe('tandem.in.dealer-riga.v1');
    expect(topics.outbound('ic-riga')).toBe('tandem.out.ic-riga.v1');
    expect(topics.deadLetters).toBe('tandem.dlq.v1');
  });

  it('finds the sending party of an inbound topic only', () => {
    expect(partyOfInboundTopic('tandem.in.dealer-kobenhavn.v1')).toBe('dealer-kobenhavn');
    expect(partyOfInboundTopic('tandem.out.dealer-kobenhavn.v1')).toBeUndefined();
    expect(partyOfInboundTopic('tandem.in.Dealer.v1')).toBeUndefined();
    expect(partyOfInboundTopic('tandem.in.dealer-berlin.v2')).toBeUndefined();
    expect(partyOfInboundTopic(topics.deadLetters)).toBeUndefined();
  });

  it('keys a record by its sender before identity resolution', () => {
    expect(sourceKey('dealer-berlin', 'KD-2024-000123')).toBe('dealer-berlin:KD-2024-000123');
  });
});
