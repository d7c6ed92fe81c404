/**
 * Webhook signatures, in both directions (Stripe-like):
 *
 *   Tandem-Timestamp: <unix seconds>
 *   Tandem-Signature: v1=<hex HMAC-SHA256(secret, `${timestamp}.${rawBody}`)>[,v1=<hex>…]
 *
 * The key is the whole secret string (`whsec_…`) as UTF-8; the body is the exact bytes sent.
 * Several `v1=` entries are allowed so a sender can sign with an old and a new secret while a
 * secret is rotated; the request is authentic when any entry matches any secret in force.
 * Entries of other schemes are ignored (room for a `v2`). A timestamp more than the tolerance
 * (default 5 minutes) away from the receiver's clock, in either direction, is refused: a
 * captured request cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { TandemError } from '@tandem/schema';

export const webhookHeaders = {
  timestamp: 'Tandem-Timestamp',
  signature: 'Tandem-Signature',
  /** Outbound: the envelope id, the partner's idempotency key. */
  eventId: 'Tandem-Event-Id',
  /** Outbound: 1 for the first attempt at an event. */
  attempt: 'Tandem-Delivery-Attempt',
} as const;

/** Replay window: the most a signed timestamp may differ from the receiver's clock. */
export const defaultSignatureToleranceSeconds = 300;

const digestBytes = 32;
const timestampPattern = /^\d{1,12}$/;

/** Hex HMAC-SHA256 of `${timestamp}.` followed by the body bytes. */
export function computeWebhookSignature(secret: string, timestamp: number, body: Uint8Array | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The two headers that sign `body` at `timestamp` with every given secret (one `v1=` entry each). */
export function signWebhook(secrets: readonly string[], body: Uint8Array | string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  if (secrets.length === 0) throw new TypeError('signWebhook needs at least one secret');
  return {
    [webhookHeaders.timestamp]: String(timestamp),
    [webhookHeaders.signature]: secrets.map((secret) => `v1=${computeWebhookSignature(secret, timestamp, body)}`).join(','),
  };
}

export interface SignedRequest {
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly body: Uint8Array | string;
}

/** Cheap checks that need no secret: both headers present and well formed, timestamp within the window. */
export function checkSignatureHeaders(request: Omit<SignedRequest, 'body'>, options: { readonly now?: Date; readonly toleranceSeconds?: number } = {}): {
  readonly timestamp: number;
  readonly candidates: readonly Buffer[];
} {
  const { timestamp, signature } = request;
  if (!timestamp || !signature) {
    const missing = [!timestamp && webhookHeaders.timestamp, !signature && webhookHeaders.signature].filter(Boolean).join(' and ');
    throw unauthenticated('MISSING_SIGNATURE', `${missing} ${missing.includes(' and ') ? 'are' : 'is'} required`);
  }
  if (!timestampPattern.test(timestamp.trim())) throw unauthenticated('MALFORMED_SIGNATURE', `${webhookHeaders.timestamp} must be unix seconds`);
  const seconds = Number(timestamp.trim());
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const tolerance = options.toleranceSeconds ?? defaultSignatureToleranceSeconds;
  if (Math.abs(now - seconds) > tolerance) {
    throw unauthenticated('STALE_TIMESTAMP', `${webhookHeaders.timestamp} is more than ${tolerance} seconds away from the hub's clock; sign each request when sending it`);
  }
  const candidates = signature
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('v1='))
    .map((entry) => entry.slice(3))
    .filter((hex) => /^[0-9a-fA-F]+$/.test(hex) && hex.length === digestBytes * 2)
    .map((hex) => Buffer.from(hex, 'hex'));
  if (candidates.length === 0) throw unauthenticated('MALFORMED_SIGNATURE', `${webhookHeaders.signature} must hold at least one v1=<64 hex digits> entry`);
  return { timestamp: seconds, candidates };
}

/**
 * Verifies a signed request against the secrets in force (compared in constant time). Throws an
 * UNAUTHENTICATED TandemError: MISSING_SIGNATURE, MALFORMED_SIGNATURE, STALE_TIMESTAMP or INVALID_SIGNATURE.
 */
export function verifyWebhookSignature(
  request: SignedRequest,
  secrets: readonly string[],
  options: { readonly now?: Date; readonly toleranceSeconds?: number } = {},
): void {
  const { timestamp, candidates } = checkSignatureHeaders(request, options);
  if (!signatureMatches(candidates, secrets, timestamp, request.body)) {
    throw unauthenticated('INVALID_SIGNATURE', `${webhookHeaders.signature} does not match the request`);
  }
}

/** True when any candidate equals the signature of any secret. Every pair is compared, each in constant time. */
export function signatureMatches(candidates: readonly Buffer[], secrets: readonly string[], timestamp: number, body: Uint8Array | string): boolean {
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
    for (const candidate of candidates) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
    }
  }
  return matched;
}

export function unauthenticated(code: string, message: string): TandemError {
  return new TandemError('UNAUTHENTICATED', code, message);
}
