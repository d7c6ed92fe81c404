import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const webhookDeliveryOutcomes = ['delivered', 'retry', 'dead_lettered'] as const;
export type WebhookDeliveryOutcome = (typeof webhookDeliveryOutcomes)[number];

/**
 * The delivery log: one row per attempt to POST an outbound message to a party's webhook.
 * `partition`/`position` name the message on the bus (the outbox position in embedded mode, the
 * Kafka offset in that partition otherwise), so a redelivered batch skips what was settled.
 */
export const WebhookDeliveryEntity = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_delivery',
  properties: {
    /** UUID v7: time-ordered. */
    id: p.uuid().primary(),
    party: p.string().length(63),
    partition: p.integer(),
    position: p.bigint('number'),
    /** The envelope's id, sent as `Tandem-Event-Id` (the partner's idempotency key). */
    eventId: p.uuid(),
    /** 1 for the first attempt at this message. */
    attempt: p.integer(),
    outcome: p.enum([...webhookDeliveryOutcomes]),
    /** The partner's HTTP status; null when no response came (connection refused, timeout). */
    statusCode: p.integer().nullable(),
    error: p.text().nullable(),
    durationMs: p.integer(),
    attemptedAt: p.datetime(),
    deliveredAt: p.datetime().nullable(),
    failedAt: p.datetime().nullable(),
    /** Set on `retry`: not before this instant (backoff, `Retry-After` or the open circuit). */
    nextAttemptAt: p.datetime().nullable(),
    /** Set on `dead_lettered`: the dead letter that keeps the message. */
    deadLetterId: p.uuid().nullable(),
  },
  indexes: [
    { name: 'webhook_delivery_party_time_idx', properties: ['party', 'attemptedAt'] },
    { name: 'webhook_delivery_party_position_idx', properties: ['party', 'partition', 'position'] },
  ],
});
export type WebhookDeliveryRow = InferEntity<typeof WebhookDeliveryEntity>;
