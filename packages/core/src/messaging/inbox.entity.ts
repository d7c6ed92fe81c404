import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** (consumer, event id) applied: written in the same transaction as the state change it caused. */
export const InboxEntryEntity = defineEntity({
  name: 'InboxEntry',
  tableName: 'inbox',
  properties: {
    consumer: p.string().length(100).primary(),
    eventId: p.uuid().primary(),
    processedAt: p.datetime(),
  },
});
export type InboxEntryRow = InferEntity<typeof InboxEntryEntity>;
