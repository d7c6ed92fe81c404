import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { AccessScope, ActivityView, CustomerView, Em, Orm } from '@tandem/core';
import { getParty, loadCustomerViews, scopeForParty } from '@tandem/core';
import { TandemError, type CountryCode } from '@tandem/schema';
import type { Principal } from '../auth/principal.js';

/** Per-request state: one EntityManager fork, the caller, and batch loaders (no N+1). */
export interface GraphQLContext {
  readonly em: Em;
  readonly principal: Principal | undefined;
  readonly requestId: string;
  readonly logger: Logger;
  /** The caller's sharing scope; throws UNAUTHENTICATED without a principal. */
  scope(): Promise<AccessScope>;
  /** The caller's country: the region for national-format phone numbers it types. */
  viewerCountry(): Promise<CountryCode>;
  readonly customers: DataLoader<string, CustomerView | undefined>;
}

export function createGraphQLContext(orm: Orm, principal: Principal | undefined, requestId: string, logger: Logger): GraphQLContext {
  const em = orm.em.fork() as Em;
  let scope: Promise<AccessScope> | undefined;
  let country: Promise<CountryCode> | undefined;
  const context: GraphQLContext = {
    em,
    principal,
    requestId,
    logger,
    scope() {
      if (!principal) return Promise.reject(new TandemError('UNAUTHENTICATED', 'AUTHENTICATION_REQUIRED', 'send a bearer token (Authorization: Bearer …)'));
      scope ??= scopeForParty(em, principal.party, principal.actingFor);
      return scope;
    },
    viewerCountry() {
      country ??= context.scope().then(() => getParty(em, principal!.party)).then((party) => party.country);
      return country;
    },
    customers: new DataLoader(async (ids) => {
      const views = await loadCustomerViews(em, await context.scope(), ids);
      return ids.map((id) => views.get(id));
    }),
  };
  return context;
}

export type { ActivityView, CustomerView };
