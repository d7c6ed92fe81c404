import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * Transactional outbox. In embedded mode it is also the log: `position` is the offset that
 * consumer groups commit in `consumer_offset`. In Kafka mode the relay's progress is one
 * position in `relay_cursor`.
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
  },
  indexes: [{ name: 'outbox_topic_position_idx', properties: ['topic', 'position'] }],
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

/**
 * How far a relay has published: every relayed row up to `position` is on the brokers. Positions
 * commit in order and the relay publishes in position order, so one position per relay says what
 * a flag per row would, for one row written per acknowledged batch instead of every row again.
 */
export const RelayCursorEntity = defineEntity({
  name: 'RelayCursor',
  tableName: 'relay_cursor',
  properties: {
    relay: p.string().length(63).primary(),
    position: p.bigint('number'),
    updatedAt: p.datetime(),
  },
});
export type RelayCursorRow = InferEntity<typeof RelayCursorEntity>;
