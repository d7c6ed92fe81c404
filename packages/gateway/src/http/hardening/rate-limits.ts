import { RateLimiterCluster, RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Plugin } from 'graphql-yoga';
import { RateLimitedError } from '@tandem/schema';
import { dialectOf, rateLimitTable, type Em, type Orm } from '@tandem/core';
import type { Principal } from '../../auth/principal.js';
import type { LookupThrottle } from '../../graphql/lookup-throttle.js';
import { domainGraphQLError } from '../../graphql/errors.js';

/** At most `points` events per `durationSeconds` (a fixed window that starts at the first event). */
export interface RateWindow {
  readonly points: number;
  readonly durationSeconds: number;
}

/** Per-caller budgets; every window of a list must allow an event (docs/api-hardening.md). */
export interface RateLimits {
  /** GraphQL operations per authenticated caller (party + subject). Default 300 per minute. */
  readonly principal: readonly RateWindow[];
  /** GraphQL operations per client IP without credentials. Default 60 per minute. */
  readonly anonymous: readonly RateWindow[];
  /** Caller-number lookups per caller. Default 10 per minute and 120 per hour. */
  readonly phoneLookups: readonly RateWindow[];
  /** Bulk customer exports (`GET /export/customers`) per caller. Default 10 per hour. */
  readonly exports: readonly RateWindow[];
}

export const defaultRateLimits: RateLimits = {
  principal: [{ points: 300, durationSeconds: 60 }],
  anonymous: [{ points: 60, durationSeconds: 60 }],
  phoneLookups: [
    { points: 10, durationSeconds: 60 },
    { points: 120, durationSeconds: 3600 },
  ],
  exports: [{ points: 10, durationSeconds: 3600 }],
};

/**
 * Where the counters live. PostgreSQL: in the hub's database, so every gateway replica draws on
 * one budget per caller (a replica that cannot reach the table falls back to counting in memory
 * rather than failing requests). SQLite: process memory, the whole budget of a one-process
 * gateway; `processes`: the primary process of a `tandem serve` with several HTTP processes
 * counts for all of them (node:cluster messages; a process whose primary does not answer within
 * a second counts in its own memory rather than failing requests).
 */
export type RateLimitStore =
  | { readonly kind: 'memory' }
  | { readonly kind: 'processes' }
  | { readonly kind: 'postgresql'; readonly knex: ReturnType<Em['getKnex']> };

/** How long an HTTP process waits for its primary's count before counting alone. */
const PRIMARY_COUNT_TIMEOUT_MS = 1000;

/** The store that matches the hub's database. */
export function rateLimitStoreOf(orm: Orm): RateLimitStore {
  return dialectOf(orm) === 'postgresql' ? { kind: 'postgresql', knex: (orm.em as Em).getKnex() } : { kind: 'memory' };
}

interface WindowLimiter {
  readonly limiter: RateLimiterAbstract;
  /** Counts when `limiter` cannot (its store is out of reach). */
  readonly fallback?: RateLimiterAbstract;
}

function windowLimiter(store: RateLimitStore, name: string, window: RateWindow): WindowLimiter {
  // The window is part of the key: replicas with the same limits share counters, a changed limit starts afresh.
  const options = { keyPrefix: `${name}:${window.points}/${window.durationSeconds}s`, points: window.points, duration: window.durationSeconds };
  if (store.kind === 'memory') return { limiter: new RateLimiterMemory(options) };
  if (store.kind === 'processes') return { limiter: new RateLimiterCluster({ ...options, timeoutMs: PRIMARY_COUNT_TIMEOUT_MS }), fallback: new RateLimiterMemory(options) };
  return { limiter: new RateLimiterPostgres({
    ...options,
    storeClient: store.knex,
    storeType: 'knex',
    tableName: rateLimitTable,
    tableCreated: true,
    insuranceLimiter: new RateLimiterMemory(options),
  }) };
}

/** Counts events per key in every window of a list; an event is refused when any window is used up. */
export class Throttle {
  readonly #windows: readonly (WindowLimiter & { readonly window: RateWindow })[];
  readonly #refusal: { readonly code: string; readonly what: string };

  constructor(store: RateLimitStore, name: string, windows: readonly RateWindow[], refusal: { readonly code: string; readonly what: string }) {
    this.#refusal = refusal;
    this.#windows = windows.map((window) => ({ window, ...windowLimiter(store, name, window) }));
  }

  /** Counts one event for `key`; throws RateLimitedError when a window is used up. */
  async take(key: string): Promise<void> {
    for (const { window, limiter, fallback } of this.#windows) {
      try {
        await limiter.consume(key).catch((failure: unknown) => {
          if (failure instanceof RateLimiterRes || !fallback) throw failure;
          return fallback.consume(key);
        });
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        throw new RateLimitedError(
          this.#refusal.code,
          `Rate limit exceeded: at most ${window.points} ${this.#refusal.what} per ${describeDuration(window.durationSeconds)}; retry in ${retryAfter} s`,
          retryAfter,
        );
      }
    }
  }
}

function describeDuration(seconds: number): string {
  if (seconds % 3600 === 0) return seconds === 3600 ? 'hour' : `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? 'minute' : `${seconds / 60} minutes`;
  return `${seconds} s`;
}

/** The rate-limit key of a caller: the same person or connector across tokens and acting-for clients. */
export function principalKey(principal: Principal): string {
  return `principal:${principal.party}/${principal.subject}`;
}

/** The throttles of one app; created once per `createApp`, so tests get their own. */
export class RateLimiters {
  readonly operations: Throttle;
  readonly anonymousOperations: Throttle;
  readonly phoneLookups: Throttle;
  readonly exports: Throttle;

  constructor(limits: RateLimits, store: RateLimitStore) {
    this.operations = new Throttle(store, 'operations', limits.principal, { code: 'TOO_MANY_REQUESTS', what: 'GraphQL operations' });
    this.anonymousOperations = new Throttle(store, 'anonymous', limits.anonymous, { code: 'TOO_MANY_REQUESTS', what: 'GraphQL operations without credentials' });
    this.phoneLookups = new Throttle(store, 'phone-lookups', limits.phoneLookups, { code: 'TOO_MANY_PHONE_LOOKUPS', what: 'caller-number lookups' });
    this.exports = new Throttle(store, 'exports', limits.exports, { code: 'TOO_MANY_EXPORTS', what: 'customer exports' });
  }

  /** The lookup budget of one caller, for its GraphQL context. */
  lookupsFor(principal: Principal | undefined): LookupThrottle {
    const key = principal ? principalKey(principal) : 'anonymous';
    return { phoneLookup: () => this.phoneLookups.take(key) };
  }

  /**
   * Counts each GraphQL operation once its caller is known (after the context is built, so
   * after authentication): per principal, or per client IP without credentials. Express's
   * `req.ip` is the socket address unless `trust proxy` is set.
   */
  plugin(): Plugin<{ principal?: Principal | undefined; req?: { ip?: string | undefined } }> {
    return {
      onContextBuilding: async ({ context }) => {
        try {
          if (context.principal) await this.operations.take(principalKey(context.principal));
          else await this.anonymousOperations.take(`ip:${context.req?.ip ?? 'unknown'}`);
        } catch (error) {
          // Already a GraphQL error, so yoga neither masks nor logs it: a flood must not flood the log.
          throw error instanceof RateLimitedError ? domainGraphQLError(error) : error;
        }
      },
    };
  }
}
