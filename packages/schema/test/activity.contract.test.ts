import { describe, expect, it } from 'vitest';
import {
  activity,
  activityRecordInput,
  channels,
  directions,
  parseOrThrow,
  ValidationError,
  type ActivityRecordInput,
  type FieldIssue,
} from '../src/index.js';

function activityIssues(input: ActivityRecordInput): ValidationError {
  try {
    parseOrThrow(activityRecordInput, input);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  return expect.unreachable(`${JSON.stringify(input)} was accepted`);
}
const issuesOf = (input: ActivityRecordInput): FieldIssue[] => [...activityIssues(input).issues];

const serviceCall: ActivityRecordInput = {
  externalId: 'CALL-2024-03-05-0042',
  customerExternalId: 'RIX-88412',
  channel: 'phone',
  direction: 'outbound',
  occurredAt: '2024-03-05T14:30:00+02:00',
  durationSeconds: 312,
  subject: 'Erinnerung Inspektion',
  outcome: 'appointment booked',
  actor: 'Līga Kalniņa',
  onBehalfOf: 'dealer-berlin',
  brand: 'Volkswagen',
};

describe('activity record input', () => {
  it('accepts an interaction center’s call on behalf of a dealer', () => {
    expect(activityRecordInput.parse(serviceCall)).toEqual({ ...serviceCall, occurredAt: new Date('2024-03-05T12:30:00Z') });
  });

  it.each(channels)('accepts the %s channel', (channel) => {
    expect(activityRecordInput.parse({ ...serviceCall, channel }).channel).toBe(channel);
  });

  it.each(directions)('accepts the %s direction', (direction) => {
    expect(activityRecordInput.parse({ ...serviceCall, direction }).direction).toBe(direction);
  });

  it('keeps a letter’s text as written', () => {
    const content = 'Sehr geehrter Herr Müller,\n\nvielen Dank für Ihren Besuch.\n';
    expect(activityRecordInput.parse({ ...serviceCall, channel: 'letter', content }).content).toBe(content);
  });

  it('needs only the facts of the contact', () => {
    const minimal = { externalId: 'W-1', customerExternalId: 'CVR-12345678', channel: 'walk_in', direction: 'inbound', occurredAt: '2024-05-02T10:00:00Z' } as const;
    expect(activityRecordInput.parse(minimal)).toEqual({ ...minimal, occurredAt: new Date('2024-05-02T10:00:00Z') });
  });

  it('names the field of a bad channel in the error', () => {
    const error = activityIssues({ ...serviceCall, channel: 'fax' as never });
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toBe('channel: Invalid option: expected one of "phone"|"email"|"letter"|"web"|"chat"|"sms"|"field_visit"|"walk_in"');
    expect(error.issues).toEqual([
      { path: 'channel', message: 'Invalid option: expected one of "phone"|"email"|"letter"|"web"|"chat"|"sms"|"field_visit"|"walk_in"' },
    ]);
  });

  it('names the field of a bad direction in the error', () => {
    expect(issuesOf({ ...serviceCall, direction: 'incoming' as never })).toEqual([
      { path: 'direction', message: 'Invalid option: expected one of "inbound"|"outbound"|"internal"' },
    ]);
  });

  it.each([
    [12.5, 'must be whole seconds'],
    [-1, 'must not be negative'],
  ])('refuses a duration of %d seconds', (durationSeconds, message) => {
    expect(issuesOf({ ...serviceCall, durationSeconds })).toEqual([{ path: 'durationSeconds', message }]);
  });

  it('refuses a duration over a day', () => {
    expect(issuesOf({ ...serviceCall, durationSeconds: 86_401 }).map((issue) => issue.path)).toEqual(['durationSeconds']);
  });

  it('names every bad field', () => {
    expect(issuesOf({ ...serviceCall, externalId: '', customerExternalId: ' ', occurredAt: '05.03.2024 14:30', onBehalfOf: 'Dealer Berlin', brand: '' })).toEqual([
      { path: 'externalId', message: 'must not be empty' },
      { path: 'customerExternalId', message: 'must not be empty' },
      { path: 'occurredAt', message: 'must be an ISO 8601 date-time with offset' },
      { path: 'onBehalfOf', message: 'must be 2–63 lower-case letters, digits or dashes, starting with a letter or digit' },
      { path: 'brand', message: 'must not be empty' },
    ]);
  });
});

describe('activity (stored)', () => {
  const stored = {
    id: crypto.randomUUID(),
    customerId: crypto.randomUUID(),
    party: 'ic-riga',
    externalId: 'CALL-2024-03-05-0042',
    channel: 'sms',
    direction: 'outbound',
    occurredAt: new Date('2024-03-05T12:30:00Z'),
    durationSeconds: null,
    subject: null,
    outcome: null,
    content: 'Jūsu tikšanās ir apstiprināta.',
    actor: null,
    onBehalfOf: 'dealer-riga',
    brand: null,
    recordedAt: new Date('2024-03-05T12:30:05Z'),
  } as const;

  it('accepts a stored activity with empty fields as null', () => {
    expect(activity.parse(stored)).toEqual(stored);
  });

  it('refuses a stored activity with a missing field or a bad channel', () => {
    const { recordedAt: _missing, ...withoutRecordedAt } = stored;
    const result = activity.safeParse({ ...withoutRecordedAt, channel: 'pigeon' });
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['channel', 'recordedAt']);
  });
});
