import { z } from 'zod';
import type { CountryCode } from 'libphonenumber-js/max';
import { externalId, instant, partyId } from '../common/common.contract.js';
import { phoneNumber } from '../customers/contact-point.contract.js';

export const callStates = ['ringing', 'answered', 'ended'] as const;

/** A telephony event from an interaction center's CTI: the screen pop and KPIs build on these. */
export function callEventInput(defaultRegion?: CountryCode) {
  return z.object({
    callId: externalId,
    state: z.enum(callStates),
    at: instant,
    callerNumber: phoneNumber(defaultRegion),
    dialledNumber: phoneNumber(defaultRegion),
    agent: z.string().trim().max(200).optional(),
    onBehalfOf: partyId.optional(),
  });
}
export type CallEvent = z.output<ReturnType<typeof callEventInput>>;
