import { z } from 'zod';
import { brand, countryCode, partyId, timeZone } from '../common/common.contract.js';

export const partyKinds = ['manufacturer', 'dealer', 'interaction_center', 'agency', 'supplier'] as const;
export const partyKind = z.enum(partyKinds);
export type PartyKind = z.infer<typeof partyKind>;

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const clockPattern = /^([01]\d|2[0-3]):[0-5]\d$/;
const clockTime = z.string().regex(clockPattern, 'must be a 24-hour time HH:MM');

/** Opening window on one weekday, in the party's own time zone. */
export const businessHours = z
  .object({ day: z.enum(weekdays), opens: clockTime, closes: clockTime })
  // Only well-formed times compare as text; a malformed one (`9:00`) is reported on its own field.
  .refine((hours) => !clockPattern.test(hours.opens) || !clockPattern.test(hours.closes) || hours.opens < hours.closes, {
    message: 'must open before it closes',
    path: ['closes'],
  });
export type BusinessHours = z.infer<typeof businessHours>;

/** A participant in the value chain: the manufacturer, a dealer, an interaction center or another partner. */
export const party = z
  .object({
    id: partyId,
    kind: partyKind,
    name: z.string().trim().min(1, 'must not be empty').max(200),
    country: countryCode,
    timeZone,
    brands: z.array(brand).default([]),
    businessHours: z.array(businessHours).default([]),
    /** Interaction centers only: the client parties on whose behalf they act. */
    clients: z.array(partyId).default([]),
  })
  .superRefine((value, ctx) => {
    if (value.kind !== 'interaction_center' && value.clients.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['clients'], message: 'only an interaction center serves client parties' });
    }
    if (value.clients.includes(value.id)) {
      ctx.addIssue({ code: 'custom', path: ['clients'], message: 'a party cannot be its own client' });
    }
  });
export type Party = z.output<typeof party>;
export type PartyInput = z.input<typeof party>;
