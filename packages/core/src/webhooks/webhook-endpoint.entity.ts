import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * A party's webhook configuration: the secret it signs inbound requests with, where its outbound
 * events are POSTed, and the circuit breaker of that outbound delivery.
 *
 * Secrets are stored as they are, not hashed: they are shared HMAC keys, and verifying an HMAC
 * (or signing one) means recomputing it with the key itself — a hash of the key cannot do that,
 * unlike a password, which is only ever compared. Protect them as credentials (database access,
 * encryption at rest, never logged).
 */
export const WebhookEndpointEntity = defineEntity({
  name: 'WebhookEndpoint',
  tableName: 'webhook_endpoint',
  properties: {
    party: p.string().length(63).primary(),
    /** Key of `Tandem-Signature` on requests the party sends to `/webhooks/<party>/…` and `/cti/<party>/…`. */
    inboundSecret: p.string().length(200),
    /** The secret before the last rotation, still accepted until `previousInboundSecretUntil`. */
    previousInboundSecret: p.string().length(200).nullable(),
    previousInboundSecretUntil: p.datetime().nullable(),
    /** Where the party's outbound events are POSTed; null: the party takes them from Kafka only. */
    outboundUrl: p.string().length(2000).nullable(),
    /** Key of `Tandem-Signature` on requests the hub sends to `outboundUrl`. */
    outboundSecret: p.string().length(200),
    /** A disabled endpoint refuses inbound requests and receives nothing (its queue waits on the bus). */
    enabled: p.boolean(),
    /** Failed outbound attempts in a row (network errors, timeouts, 408, 429, 5xx); 0 after any answer that is not one. */
    consecutiveFailures: p.integer(),
    /** Circuit breaker: open (nothing is sent or consumed) until this instant; then one probe. Null: closed. */
    openUntil: p.datetime().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type WebhookEndpointRow = InferEntity<typeof WebhookEndpointEntity>;
