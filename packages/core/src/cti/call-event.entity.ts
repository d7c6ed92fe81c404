import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { callStates } from '@tandem/schema';

/** A CTI event as the interaction center's telephony reported it (numbers in E.164). */
export const CallEventEntity = defineEntity({
  name: 'CallEvent',
  tableName: 'call_event',
  properties: {
    id: p.uuid().primary(),
    party: p.string().length(63),
    callId: p.string().length(200),
    state: p.enum([...callStates]),
    at: p.datetime(),
    callerNumber: p.string().length(16).index('call_event_caller_idx'),
    dialledNumber: p.string().length(16),
    agent: p.string().length(200).nullable(),
    onBehalfOf: p.string().length(63).nullable(),
    customer: p.uuid().nullable(),
  },
  uniques: [{ name: 'call_event_party_call_state_uq', properties: ['party', 'callId', 'state'] }],
});
export type CallEventRow = InferEntity<typeof CallEventEntity>;
