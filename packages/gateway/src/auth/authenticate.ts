import type { Em, Orm } from '@tandem/core';
import { verifyApiKey } from '@tandem/core';
import { TandemError } from '@tandem/schema';
import type { TokenService } from './token.service.js';
import type { Principal } from './principal.js';

/** The credential headers of a request, as received (absent: null). */
export interface CredentialHeaders {
  readonly authorization: string | null;
  readonly apiKey: string | null;
}

/**
 * Who is calling, from `Authorization: Bearer <jwt>`, `Authorization: ApiKey tdm_…` (or
 * `Bearer tdm_…`) or `X-Api-Key: tdm_…`; undefined without credentials. A bad credential is UNAUTHENTICATED with the
 * reason, never silently anonymous. A connector's key becomes a principal of its party with role
 * `integration`, the key's scopes and (an interaction center's key) the client it acts for.
 */
export async function authenticate(tokens: TokenService, orm: Orm, headers: CredentialHeaders): Promise<Principal | undefined> {
  const { authorization, apiKey } = headers;
  if (authorization && apiKey) {
    throw new TandemError('UNAUTHENTICATED', 'AMBIGUOUS_CREDENTIALS', 'send one credential: Authorization or X-Api-Key, not both');
  }
  if (apiKey) return apiKeyPrincipal(orm, apiKey.trim());
  if (!authorization) return undefined;
  const match = /^(Bearer|ApiKey)\s+(\S+)$/i.exec(authorization.trim());
  if (!match?.[1] || !match[2]) {
    throw new TandemError('UNAUTHENTICATED', 'BAD_AUTHORIZATION_HEADER', 'Authorization must be "Bearer <token>" or "ApiKey <key>"');
  }
  // `Bearer tdm_…` too: some HTTP clients only speak Bearer, and a key never looks like a JWT.
  const isApiKey = match[1].toLowerCase() === 'apikey' || match[2].startsWith('tdm_');
  return isApiKey ? apiKeyPrincipal(orm, match[2]) : tokens.verify(match[2]);
}

async function apiKeyPrincipal(orm: Orm, key: string): Promise<Principal> {
  const info = await verifyApiKey(orm.em.fork() as Em, key);
  return {
    subject: info.label ? `${info.label}/${info.prefix}` : info.prefix,
    party: info.party,
    role: 'integration',
    ...(info.actingFor ? { actingFor: info.actingFor } : {}),
    scopes: [...info.scopes],
  };
}
