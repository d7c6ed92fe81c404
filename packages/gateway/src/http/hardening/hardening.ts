import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import type { Plugin } from 'graphql-yoga';
import type { Principal } from '../../auth/principal.js';
import type { LookupThrottle } from '../../graphql/lookup-throttle.js';
import { SubscriptionQuota } from '../../graphql/subscription-quota.js';
import { defaultOperationLimits, operationLimitPlugins, type GatewayPlugin, type OperationLimits } from '../../graphql/limits.js';
import { defaultRateLimits, RateLimiters, type RateLimits, type RateLimitStore, type Throttle } from './rate-limits.js';
import { loadTrustedDocuments, useTrustedDocuments } from './trusted-documents.js';

/** The header a client sends to prove a CORS preflight happened (yoga's default name). */
export const csrfHeader = 'x-graphql-yoga-csrf';

/** Largest request body by default: the biggest trusted document with variables is under 2 kB. */
export const defaultMaxRequestBodyBytes = 100_000;

/** Overrides of the production defaults (docs/api-hardening.md); tests shrink them. */
export interface HardeningOptions {
  readonly operationLimits?: Partial<OperationLimits>;
  readonly rateLimits?: Partial<RateLimits>;
  /** Largest request body in bytes; larger ones get 413. Default 100 000. */
  readonly maxRequestBodyBytes?: number;
  /** Only trusted documents run (`TANDEM_TRUSTED_DOCUMENTS_ONLY`). Default false: any document, trusted ids too. */
  readonly trustedDocumentsOnly?: boolean;
  /** Trusted documents by SHA-256. Default: `packages/gateway/trusted-documents.json`. */
  readonly trustedDocuments?: ReadonlyMap<string, string>;
  /** Browser origins allowed cross-origin (`TANDEM_CORS_ORIGINS`; `*` any). Default: none, same-origin only. */
  readonly corsOrigins?: readonly string[];
  /** Open subscriptions per caller and process. Default 20. */
  readonly maxSubscriptionsPerPrincipal?: number;
}

/** Yoga's CORS options: off unless origins are listed; never with credentials (no cookies, only tokens and keys). */
export type CorsPolicy = false | { origin: string[]; credentials: false; methods: string[]; allowedHeaders: string[]; exposedHeaders: string[]; maxAge: number };

/** What `createApp` gives yoga, and each request's lookup budget. */
export interface Hardening {
  readonly plugins: GatewayPlugin[];
  readonly maxRequestBodySize: number;
  /** No batching: a batch multiplies every per-operation limit and no client of ours sends one. */
  readonly batching: false;
  readonly cors: CorsPolicy;
  lookupsFor(principal: Principal | undefined): LookupThrottle;
  /** The bulk export budget per caller (`RateLimits.exports`). */
  readonly exports: Throttle;
  /** Open subscriptions per caller. */
  readonly subscriptions: SubscriptionQuota;
}

/**
 * The gateway's request hardening: trusted documents, CSRF prevention, document limits, rate
 * limits; in production also no introspection and no "Did you mean …?" suggestions.
 */
export function createHardening(store: RateLimitStore, options: HardeningOptions = {}, production = false): Hardening {
  const limiters = new RateLimiters({ ...defaultRateLimits, ...options.rateLimits }, store);
  const plugins: GatewayPlugin[] = [
    useTrustedDocuments(options.trustedDocuments ?? loadTrustedDocuments(), { only: options.trustedDocumentsOnly ?? false }),
    useCSRFPrevention({ requestHeaders: [csrfHeader] }),
    ...operationLimitPlugins({ ...defaultOperationLimits, ...options.operationLimits }),
    ...(production ? [useDisableIntrospection(), blockFieldSuggestionsPlugin(), useHiddenSuggestions()] : []),
    limiters.plugin(),
  ];
  return {
    plugins,
    maxRequestBodySize: options.maxRequestBodyBytes ?? defaultMaxRequestBodyBytes,
    batching: false,
    cors: corsPolicy(options.corsOrigins),
    lookupsFor: (principal) => limiters.lookupsFor(principal),
    exports: limiters.exports,
    subscriptions: new SubscriptionQuota(options.maxSubscriptionsPerPrincipal),
  };
}

function corsPolicy(origins: readonly string[] | undefined): CorsPolicy {
  if (!origins || origins.length === 0) return false;
  return {
    origin: [...origins],
    credentials: false,
    methods: ['GET', 'POST'],
    allowedHeaders: ['content-type', 'accept', 'authorization', 'x-api-key', 'x-request-id', csrfHeader],
    exposedHeaders: ['retry-after'],
    maxAge: 600,
  };
}

const suggestion = /\s*Did you mean [^?]*\?/g;

/**
 * Armor's plugin hides field, argument and type suggestions; graphql-js also suggests enum
 * values ("Did you mean the enum value …?"), in validation and in variable coercion, which
 * would spell out the schema with introspection off. This hides every suggestion in a response.
 */
function useHiddenSuggestions(): Plugin {
  return {
    onResultProcess({ result }) {
      for (const single of Array.isArray(result) ? result : [result]) {
        if (!single || typeof single !== 'object' || !('errors' in single)) continue;
        for (const error of single.errors ?? []) error.message = error.message.replace(suggestion, ' [Suggestion hidden]');
      }
    },
  };
}
