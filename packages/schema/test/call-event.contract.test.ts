import { describe, expect, it } from 'vitest';
import { callEventInput, callStates, parseOrThrow, ValidationError, type CountryCode, type FieldIssue } from '../src/index.js';

function callIssues(region: CountryCode | undefined, input: unknown): FieldIssue[] {
  try {
    parseOrThrow(callEventInput(region), input);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  return expect.unreachable(`${JSON.stringify(input)} was accepted`);
}

const ringing = {
  callId: 'a1b2c3d4-cti-0001',
  state: 'ringing',
  at: '2024-05-02T09:00:05+02:00',
  callerNumber: '20 12 34 56',
  dialledNumber: '+45 32 12 34 56',
  agent: 'Mette Sørensen',
  onBehalfOf: 'dealer-kobenhavn',
} as const;

describe('CTI call event', () => {
  it('reads a Danish caller in the interaction center’s region', () => {
    expect(callEventInput('DK').parse(ringing)).toEqual({
      ...ringing,
      at: new Date('2024-05-02T07:00:05Z'),
      callerNumber: '+4520123456',
      dialledNumber: '+4532123456',
    });
  });

  it.each(callStates)('accepts the state %s', (state) => {
    expect(callEventInput('DK').parse({ ...ringing, state }).state).toBe(state);
  });

  it('accepts a German caller to a Latvian line in international format without a region', () => {
    const call = callEventInput().parse({ callId: 'c-2', state: 'answered', at: '2024-05-02T07:00:05Z', callerNumber: '0049 151 23456789', dialledNumber: '+371 6712 3456' });
    expect(call).toMatchObject({ callerNumber: '+4915123456789', dialledNumber: '+37167123456' });
  });

  it('refuses a national caller number when no region is known', () => {
    expect(callIssues(undefined, ringing)).toEqual([
      { path: 'callerNumber', message: '"20 12 34 56" is in national format and no region is known to read it in (use +<country code>…)' },
    ]);
  });

  it('names the assumed region of an invalid number', () => {
    expect(callIssues('LV', { ...ringing, callerNumber: '2012', dialledNumber: '+371 6712 3456' })).toEqual([
      { path: 'callerNumber', message: '"2012" is not a valid phone number (read as a LV national number)' },
    ]);
  });

  it('names every bad field', () => {
    expect(callIssues('DK', { ...ringing, callId: '', state: 'on_hold', at: '09:00', agent: 'x'.repeat(201), onBehalfOf: 'Bilhus' })).toEqual([
      { path: 'callId', message: 'must not be empty' },
      { path: 'state', message: 'Invalid option: expected one of "ringing"|"answered"|"ended"' },
      { path: 'at', message: 'must be an ISO 8601 date-time with offset' },
      { path: 'agent', message: 'Too big: expected string to have <=200 characters' },
      { path: 'onBehalfOf', message: 'must be 2–63 lower-case letters, digits or dashes, starting with a letter or digit' },
    ]);
  });
});
