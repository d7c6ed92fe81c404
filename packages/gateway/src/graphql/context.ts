import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { AccessScope, ActivityView, CustomerChangeFeed, CustomerView, Em, Orm, ViewerProfile } from '@tandem/core';
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
  readonly live: LiveReads;
}

/**
 * What a subscription needs beyond one request: it outlives the request, so each event is
 * resolved in a context of its own, with credentials, scope and loaders read afresh.
 */
export interface LiveReads {
  readonly changes: CustomerChangeFeed;
  /** Counts one more open subscription of the caller; throws RATE_LIMITED past its limit. Call the result when it ends. */
  admit(caller: Principal): () => void;
  /** A context for one event: credentials verified again (an expired token or revoked key ends the subscription), the caller's scope and loaders read afresh, this request's id and access trail. */
  eventContext(): Promise<GraphQLContext>;
}

export interface GraphQLContextOptions {
  readonly orm: Orm;
  readonly principal: Principal | undefined;
  readonly requestId: string;
  readonly logger: Logger;
  readonly lookups: LookupThrottle;
  readonly live: LiveReads;
  /** Where reads are noted; a subscription's events share their subscription's. Default: a new trail (with a principal). */
  readonly accessTrail?: AccessTrail | undefined;
}

export function createGraphQLContext(options: GraphQLContextOptions): GraphQLContext {
  const { orm, principal, requestId, logger, lookups, live } = options;
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
    live,
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
    accessTrail:
      options.accessTrail ??
      (principal
        ? new AccessTrail({ principal: principal.subject, role: principal.role, party: principal.party, actingFor: principal.actingFor, requestId })
        : undefined),
  };
  return context;
}

export type { ActivityView, CustomerView };
