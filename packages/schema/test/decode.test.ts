import { describe, expect, expectTypeOf, it } from 'vitest';
import { decodeInboundEvent, httpStatusByCategory, inboundEventTypes, ValidationError, type DecodeContext } from '../src/index.js';

function decodeError(message: Uint8Array | string | object, context?: DecodeContext): ValidationError {
  try {
    decodeInboundEvent(message, context);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  return expect.unreachable(`${JSON.stringify(message)} was decoded`);
}

const envelopeOf = (type: string, payload: unknown, version = 1) => ({
  id: crypto.randomUUID(),
  type,
  version,
  occurredAt: '2024-03-05T14:30:00+01:00',
  source: 'dealer-berlin',
  key: 'dealer-berlin:KD-2024-000123',
  payload,
});

const juergen = {
  externalId: 'KD-2024-000123',
  givenName: 'Jürgen',
  familyName: 'Müller',
  phones: [{ value: '030 12345678', label: 'home' }],
  emails: [{ value: 'Juergen.Mueller@Web.de' }],
};

describe('decodeInboundEvent', () => {
  it('decodes a contact from bytes, reading national phones in the sender’s region', () => {
    const message = envelopeOf('contact.upserted', juergen);
    const event = decodeInboundEvent(new TextEncoder().encode(JSON.stringify(message)), { defaultRegion: 'DE' });
    expect(event).toEqual({
      ...message,
      payload: {
        externalId: 'KD-2024-000123',
        kind: 'person',
        givenName: 'Jürgen',
        familyName: 'Müller',
        phones: [{ value: '+493012345678', label: 'home' }],
        emails: [{ value: 'juergen.mueller@web.de', label: 'other' }],
        addresses: [],
        vehicles: [],
      },
    });
    if (event.type === 'contact.upserted') expectTypeOf(event.payload.phones[0]!.value).toEqualTypeOf<string>();
  });

  it('decodes the same event from a string, a Buffer and parsed JSON', () => {
    const message = envelopeOf('contact.deleted', { externalId: 'KD-2024-000123' });
    const text = JSON.stringify(message);
    for (const form of [text, Buffer.from(text), message]) {
      expect(decodeInboundEvent(form)).toEqual(message);
    }
  });

  it.each([
    ['contact.upserted', { externalId: 'RIX-1', familyName: 'Bērziņš', phones: [{ value: '+371 2012 3456' }] }],
    ['contact.deleted', { externalId: 'RIX-1' }],
    ['activity.recorded', { externalId: 'A-1', customerExternalId: 'RIX-1', channel: 'chat', direction: 'inbound', occurredAt: '2024-03-05T12:00:00Z' }],
    ['task.created', { externalId: 'T-1', customerExternalId: 'RIX-1', assignee: 'dealer-riga', kind: 'callback', title: 'Atzvanīt klientam' }],
    ['consent.recorded', { customerExternalId: 'RIX-1', purpose: 'surveys', granted: false, recordedAt: '2024-03-05T12:00:00Z', proof: 'call A-1' }],
    ['call.event', { callId: 'C-1', state: 'ended', at: '2024-03-05T12:05:00Z', callerNumber: '2012 3456', dialledNumber: '6712 3456' }],
  ])('decodes every inbound type: %s', (type, payload) => {
    expect(decodeInboundEvent(envelopeOf(type, payload), { defaultRegion: 'LV' }).type).toBe(type);
  });

  it('knows exactly the inbound event types it decodes', () => {
    expect([...inboundEventTypes].sort()).toEqual(['activity.recorded', 'call.event', 'consent.recorded', 'contact.deleted', 'contact.upserted', 'task.created']);
  });

  it('reports text that is not JSON as MALFORMED_JSON', () => {
    const error = decodeError('{"id": "3f2b8c1e-6d4a-4c3b-9a7e-2f1d0c9b8a76", ');
    expect(error.code).toBe('MALFORMED_JSON');
    expect(error.category).toBe('BAD_INPUT');
    expect(error.retriable).toBe(false);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toBe('');
    expect(error.message).toMatch(/^is not valid JSON \(.+\)$/);
  });

  // Regression: bytes that are not UTF-8 escaped as a TypeError, so a consumer could not
  // dead-letter them with an error code.
  it('reports bytes that are not UTF-8 as MALFORMED_JSON', () => {
    const error = decodeError(Buffer.from('{"familyName":"Müller"}', 'latin1'));
    expect(error.code).toBe('MALFORMED_JSON');
    expect(error.message).toBe('is not valid JSON (The encoded data was not valid for encoding utf-8)');
  });

  it('reports a message that is no envelope as INVALID_ENVELOPE, naming the fields', () => {
    const error = decodeError({ ...envelopeOf('contact.upserted', juergen), id: 'msg-1', source: 'Dealer Berlin' });
    expect(error.code).toBe('INVALID_ENVELOPE');
    expect(error.issues).toEqual([
      { path: 'id', message: 'must be a UUID' },
      { path: 'source', message: 'must be 2–63 lower-case letters, digits or dashes, starting with a letter or digit' },
    ]);
    expect(error.message).toBe('id: must be a UUID; source: must be 2–63 lower-case letters, digits or dashes, starting with a letter or digit');
  });

  it('reports JSON null and an array as INVALID_ENVELOPE', () => {
    expect(decodeError('null').code).toBe('INVALID_ENVELOPE');
    expect(decodeError('[]').code).toBe('INVALID_ENVELOPE');
  });

  it('reports a type it does not know as UNKNOWN_EVENT_TYPE', () => {
    const error = decodeError(envelopeOf('contact.merged', juergen));
    expect(error.code).toBe('UNKNOWN_EVENT_TYPE');
    expect(error.issues).toEqual([{ path: 'type', message: 'contact.merged v1 is not an inbound event (no such type)' }]);
  });

  it('reports a version it does not know as UNKNOWN_EVENT_TYPE, listing the known ones', () => {
    const error = decodeError(envelopeOf('contact.upserted', juergen, 2));
    expect(error.code).toBe('UNKNOWN_EVENT_TYPE');
    expect(error.message).toBe('type: contact.upserted v2 is not an inbound event (versions 1)');
  });

  it('refuses an outbound event sent inbound', () => {
    expect(decodeError(envelopeOf('customer.projected', { customerId: crypto.randomUUID(), yourExternalIds: [] })).code).toBe('UNKNOWN_EVENT_TYPE');
  });

  it('reports a bad payload as INVALID_PAYLOAD with the field’s full path', () => {
    const error = decodeError(envelopeOf('contact.upserted', { ...juergen, phones: [{ value: '+49 30 12345678' }, { value: '030 1' }] }), {
      defaultRegion: 'DE',
    });
    expect(error.code).toBe('INVALID_PAYLOAD');
    expect(error.issues).toEqual([{ path: 'payload.phones.1.value', message: '"030 1" is not a valid phone number (read as a DE national number)' }]);
    expect(error.message).toBe('payload.phones.1.value: "030 1" is not a valid phone number (read as a DE national number)');
    expect(httpStatusByCategory[error.category]).toBe(400);
  });

  it('refuses a national phone number when the sender’s region is not known', () => {
    const error = decodeError(envelopeOf('contact.upserted', juergen));
    expect(error.code).toBe('INVALID_PAYLOAD');
    expect(error.issues).toEqual([
      { path: 'payload.phones.0.value', message: '"030 12345678" is in national format and no region is known to read it in (use +<country code>…)' },
    ]);
  });

  it('names every bad payload field of an activity', () => {
    const error = decodeError(envelopeOf('activity.recorded', { externalId: 'A-1', customerExternalId: 'KD-1', channel: 'telefax', direction: 'inbound', occurredAt: 'heute' }));
    expect(error.code).toBe('INVALID_PAYLOAD');
    expect(error.issues.map((issue) => issue.path)).toEqual(['payload.channel', 'payload.occurredAt']);
  });

  it('reports a missing payload as INVALID_ENVELOPE', () => {
    const { payload: _missing, ...withoutPayload } = envelopeOf('contact.deleted', {});
    const error = decodeError(withoutPayload);
    expect(error.code).toBe('INVALID_ENVELOPE');
    expect(error.issues).toEqual([{ path: 'payload', message: 'Invalid input: expected nonoptional, received undefined' }]);
  });
});
