import { TandemError } from '@tandem/schema';
import type { Principal } from '../auth/principal.js';
import { principalKey } from '../http/hardening/rate-limits.js';

/** Open subscriptions per caller and gateway process by default: a console with a few customers open, a connector with a few streams. */
export const defaultMaxSubscriptionsPerPrincipal = 20;

/**
 * Counts each caller's open subscriptions in this gateway process: a subscription holds a
 * connection and reads on every change, so a caller may not open them without bound.
 */
export class SubscriptionQuota {
  readonly #open = new Map<string, number>();

  constructor(readonly limit: number = defaultMaxSubscriptionsPerPrincipal) {}

  /** Counts one more subscription of `principal`, or throws RATE_LIMITED `TOO_MANY_SUBSCRIPTIONS`; call the result once it ends. */
  admit(principal: Principal): () => void {
    const key = principalKey(principal);
    const open = this.#open.get(key) ?? 0;
    if (open >= this.limit) {
      throw new TandemError('RATE_LIMITED', 'TOO_MANY_SUBSCRIPTIONS', `at most ${this.limit} subscriptions may be open per caller; end one first`);
    }
    this.#open.set(key, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#open.get(key) ?? 1) - 1;
      if (left > 0) this.#open.set(key, left);
      else this.#open.delete(key);
    };
  }
}
