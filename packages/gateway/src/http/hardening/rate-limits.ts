import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Plugin } from 'graphql-yoga';
import { RateLimitedError } from '@tandem/schema';
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
}

export const defaultRateLimits: RateLimits = {
  principal: [{ points: 300, durationSeconds: 60 }],
  anonymous: [{ points: 60, durationSeconds: 60 }],
  phoneLookups: [
    { points: 10, durationSeconds: 60 },
    { points: 120, durationSeconds: 3600 },
  ],
};

/**
 * Counts events per key in process memory: with several gateway replicas each allows the full
 * budget (rate-limiter-flexible's Redis or PostgreSQL stores share it).
 */
export class Throttle {
  readonly #windows: readonly { readonly window: RateWindow; readonly limiter: RateLimiterMemory }[];
  readonly #refusal: { readonly code: string; readonly what: string };

  constructor(name: string, windows: readonly RateWindow[], refusal: { readonly code: string; readonly what: string }) {
    this.#refusal = refusal;
    this.#windows = windows.map((window, index) => ({
      window,
      limiter: new RateLimiterMemory({ keyPrefix: `${name}:${index}`, points: window.points, duration: window.durationSeconds }),
    }));
  }

  /** Counts one event for `key`; throws RateLimitedError when a window is used up. */
  async take(key: string): Promise<void> {
    for (const { window, limiter } of this.#windows) {
      try {
        await limiter.consume(key);
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

  constructor(limits: RateLimits) {
    this.operations = new Throttle('operations', limits.principal, { code: 'TOO_MANY_REQUESTS', what: 'GraphQL operations' });
    this.anonymousOperations = new Throttle('anonymous', limits.anonymous, { code: 'TOO_MANY_REQUESTS', what: 'GraphQL operations without credentials' });
    this.phoneLookups = new Throttle('phone-lookups', limits.phoneLookups, { code: 'TOO_MANY_PHONE_LOOKUPS', what: 'caller-number lookups' });
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
