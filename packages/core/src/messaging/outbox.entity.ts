import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * Transactional outbox. In embedded mode it is also the log: `position` is the offset that
 * consumer groups commit in `consumer_offset`.
 */
export const OutboxMessageEntity = defineEntity({
  name: 'OutboxMessage',
  tableName: 'outbox',
  properties: {
    position: p.bigint('number').primary().autoincrement(),
    topic: p.string().length(200),
    key: p.string().length(300),
    eventId: p.uuid(),
    payload: p.text(),
    createdAt: p.datetime(),
    /** Set when the relay has published it to Kafka; null in embedded mode, where the table is the log. */
    publishedAt: p.datetime().nullable(),
  },
  indexes: [
    { name: 'outbox_topic_position_idx', properties: ['topic', 'position'] },
    { name: 'outbox_unpublished_idx', properties: ['publishedAt', 'position'] },
  ],
});
export type OutboxMessageRow = InferEntity<typeof OutboxMessageEntity>;

/** Committed position of a consumer group on an embedded-log topic. */
export const ConsumerOffsetEntity = defineEntity({
  name: 'ConsumerOffset',
  tableName: 'consumer_offset',
  properties: {
    groupId: p.string().length(100).primary(),
    topic: p.string().length(200).primary(),
    position: p.bigint('number'),
    updatedAt: p.datetime(),
  },
});
export type ConsumerOffsetRow = InferEntity<typeof ConsumerOffsetEntity>;
