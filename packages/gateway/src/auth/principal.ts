import { z } from 'zod';
import { partyId } from '@tandem/schema';

export const roles = ['agent', 'dealer_staff', 'manager', 'integration', 'dpo', 'admin'] as const;
export const role = z.enum(roles);
export type Role = z.infer<typeof role>;

/** Who is calling: a user or connector of one party. Interaction-center agents also name the client they act for. */
export const principal = z.object({
  subject: z.string().min(1),
  party: partyId,
  role,
  actingFor: partyId.optional(),
});
export type Principal = z.infer<typeof principal>;
