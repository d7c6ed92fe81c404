import type { AuthFailure, ForbiddenResult } from '@pothos/plugin-scope-auth';
import { TandemError } from '@tandem/schema';
import { apiScopes, hasScope, type ApiScope, type Principal } from '../auth/principal.js';

/** The scope loaders of one request: signed in at all, and each API scope the caller holds. */
export function scopeLoaders(principal: Principal | undefined): { authenticated: boolean } & Record<ApiScope, boolean> {
  return {
    authenticated: Boolean(principal),
    read: hasScope(principal, 'read'),
    write: hasScope(principal, 'write'),
    webhook: hasScope(principal, 'webhook'),
  };
}

/**
 * A denied field: UNAUTHENTICATED without credentials, FORBIDDEN `INSUFFICIENT_SCOPE` naming the
 * missing scope when a signed-in caller (a connector's key) lacks it.
 */
export function unauthorizedError(principal: Principal | undefined, result: ForbiddenResult): TandemError {
  const missing = [...new Set(failedScopes(result.failure))].filter((scope): scope is ApiScope => (apiScopes as readonly string[]).includes(scope));
  return refusal(principal, missing);
}

/** For fields outside Pothos (federation's `_entities`, `_service`): the refusal a Pothos field's scope check gives. */
export function requireScope(principal: Principal | undefined, scope: ApiScope): void {
  if (!hasScope(principal, scope)) throw refusal(principal, [scope]);
}

function refusal(principal: Principal | undefined, missing: readonly ApiScope[]): TandemError {
  if (!principal) return new TandemError('UNAUTHENTICATED', 'AUTHENTICATION_REQUIRED', 'send a bearer token (Authorization: Bearer …) or an API key (X-Api-Key: tdm_…)');
  return new TandemError(
    'FORBIDDEN',
    'INSUFFICIENT_SCOPE',
    missing.length > 0 ? `this credential lacks the ${missing.join(' or ')} scope` : 'this credential may not use this field',
  );
}

function failedScopes(failure: AuthFailure): string[] {
  if ('failures' in failure) return failure.failures.flatMap(failedScopes);
  return 'scope' in failure ? [failure.scope] : [];
}
