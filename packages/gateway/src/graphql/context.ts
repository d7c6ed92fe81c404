import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { AccessScope, ActivityView, CustomerView, Em, Orm, ViewerProfile } from '@tandem/core';
import { AccessTrail, getParty, loadCustomerViews, viewerProfile } from '@tandem/core';
import { hubId, TandemError, type CountryCode } from '@tandem/schema';
import type { Principal } from '../auth/principal.js';
import type { LookupThrottle } from './lookup-throttle.js';

/** Per-request state: one EntityManager fork, the caller, and batch loaders (no N+1). */
export interface GraphQLContext {
  readonly em: Em;
  /** For work that needs transactions of its own (mutations run the ingest pipeline). */
  readonly orm: Orm;
  readonly principal: Principal | undefined;
  readonly requestId: string;
  readonly logger: Logger;
  /** The caller's sharing scope and brands, read once per request; throws UNAUTHENTICATED without a principal. */
  viewer(): Promise<ViewerProfile>;
  /** The caller's sharing scope; throws UNAUTHENTICATED without a principal. */
  scope(): Promise<AccessScope>;
  /** The caller's country: the region for national-format phone numbers it types. */
  viewerCountry(): Promise<CountryCode>;
  readonly customers: DataLoader<string, CustomerView | undefined>;
  /** What this request read of each customer's personal data, for the access audit; undefined without a principal. */
  readonly accessTrail: AccessTrail | undefined;
  /** The caller's budget for oracle-prone lookups (caller-number search). */
  readonly lookups: LookupThrottle;
}

export function createGraphQLContext(orm: Orm, principal: Principal | undefined, requestId: string, logger: Logger, lookups: LookupThrottle): GraphQLContext {
  const em = orm.em.fork() as Em;
  let viewer: Promise<ViewerProfile> | undefined;
  let country: Promise<CountryCode> | undefined;
  const context: GraphQLContext = {
    em,
    orm,
    principal,
    requestId,
    logger,
    lookups,
    viewer() {
      if (!principal) return Promise.reject(new TandemError('UNAUTHENTICATED', 'AUTHENTICATION_REQUIRED', 'send a bearer token (Authorization: Bearer …)'));
      viewer ??= viewerProfile(em, principal.party, principal.actingFor);
      return viewer;
    },
    scope() {
      return context.viewer().then((profile) => profile.scope);
    },
    viewerCountry() {
      country ??= context.scope().then(() => getParty(em, principal!.party)).then((party) => party.country);
      return country;
    },
    customers: new DataLoader(async (ids) => {
      const scope = await context.scope();
      // An id that is no hub id names no customer; PostgreSQL would refuse it in a uuid comparison.
      const views = await loadCustomerViews(em, scope, ids.filter((id) => hubId.safeParse(id).success));
      for (const view of views.values()) context.accessTrail?.noteCustomerView(view, scope);
      return ids.map((id) => views.get(id));
    }),
    accessTrail: principal
      ? new AccessTrail({ principal: principal.subject, role: principal.role, party: principal.party, actingFor: principal.actingFor, requestId })
      : undefined,
  };
  return context;
}

export type { ActivityView, CustomerView };
