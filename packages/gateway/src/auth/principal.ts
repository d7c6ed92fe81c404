import { z } from 'zod';
import { partyId } from '@tandem/schema';
import { apiKeyScopes } from '@tandem/core';

export const roles = ['agent', 'dealer_staff', 'manager', 'integration', 'dpo', 'admin'] as const;
export const role = z.enum(roles);
export type Role = z.infer<typeof role>;

/** What a caller may do with the API: read (queries), write (mutations), webhook (its party's webhook endpoints). The API keys' scopes. */
export const apiScopes = apiKeyScopes;
export const apiScope = z.enum(apiScopes);
export type ApiScope = z.infer<typeof apiScope>;

/** Who is calling: a user or connector of one party. Interaction-center agents also name the client they act for. */
export const principal = z.object({
  subject: z.string().min(1),
  party: partyId,
  role,
  actingFor: partyId.optional(),
  /** Connectors (API keys): the scopes the key grants. Absent for users' bearer tokens, which may read and write. */
  scopes: z.array(apiScope).optional(),
  /** Bearer tokens: when the token stops standing (its `exp`, seconds since the epoch); what outlives a request (a subscription) ends then. */
  expiresAt: z.number().int().optional(),
});
export type Principal = z.infer<typeof principal>;

/** Does the caller hold `scope`? Bearer-token users hold read and write; connectors what their key grants. */
export function hasScope(caller: Principal | undefined, scope: ApiScope): boolean {
  if (!caller) return false;
  return caller.scopes ? caller.scopes.includes(scope) : scope !== 'webhook';
}
