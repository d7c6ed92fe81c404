import { z } from 'zod';
import type { CountryCode } from 'libphonenumber-js/max';
import { customerRecordDeletion, customerRecordInput } from '../customers/customer.contract.js';
import { activityRecordInput } from '../activities/activity.contract.js';
import { taskInput } from '../tasks/task.contract.js';
import { consentInput } from '../consent/consent.contract.js';
import { callEventInput } from '../cti/call-event.contract.js';

/**
 * Payload contracts of the events a party sends on `tandem.in.<party>.v1`, by type and version.
 * Phones in national format are read in the sending party's country.
 */
export function inboundPayloads(defaultRegion?: CountryCode) {
  return {
    'contact.upserted': { 1: customerRecordInput(defaultRegion) },
    'contact.deleted': { 1: customerRecordDeletion },
    'activity.recorded': { 1: activityRecordInput },
    'task.created': { 1: taskInput },
    'consent.recorded': { 1: consentInput },
    'call.event': { 1: callEventInput(defaultRegion) },
  } as const;
}
type InboundPayloads = ReturnType<typeof inboundPayloads>;
export type InboundEventType = keyof InboundPayloads;
export const inboundEventTypes = Object.keys(inboundPayloads()) as InboundEventType[];

/** A decoded inbound event: discriminated by `type`, payload typed by its contract. */
export type InboundEvent = {
  [T in InboundEventType]: {
    [V in keyof InboundPayloads[T]]: {
      type: T;
      version: V;
      payload: z.output<InboundPayloads[T][V] & z.ZodType>;
    };
  }[keyof InboundPayloads[T]];
}[InboundEventType];
