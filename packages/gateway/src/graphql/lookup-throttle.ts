import { normaliseVin } from '@tandem/schema';

/**
 * The caller's budget for lookups that can be used as an oracle. Each call counts one lookup;
 * past the budget it throws a RATE_LIMITED error (HTTP 429 with `Retry-After`).
 */
export interface LookupThrottle {
  /** A `customers(search:)` term read as a phone number: "whose number is this?" for any number an attacker tries. */
  phoneLookup(): Promise<void>;
}

/**
 * Whether core's `searchCustomers` reads `term` as a phone number (not a VIN, no `@`, only
 * digits and phone punctuation), so the lookup is counted before the database is asked.
 */
export function readsAsPhoneNumber(term: string): boolean {
  return !normaliseVin(term).ok && !term.includes('@') && /^[\d\s()+./-]{5,}$/.test(term.trim());
}
