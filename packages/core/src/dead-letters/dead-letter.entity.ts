import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { FieldIssue } from '@tandem/schema';

/** Where a dead letter came from: a bus position, a webhook request or a file row. */
export type DeadLetterSource =
  | { readonly kind: 'bus'; readonly topic: string; readonly partition: number; readonly offset: string }
  | { readonly kind: 'webhook'; readonly party: string; readonly requestId: string }
  | { readonly kind: 'file'; readonly party: string; readonly file: string; readonly row: number };

/** A message that could not be decoded or applied, kept byte for byte with why. */
export const DeadLetterEntity = defineEntity({
  name: 'DeadLetter',
  tableName: 'dead_letter',
  properties: {
    id: p.uuid().primary(),
    source: p.json<DeadLetterSource>(),
    party: p.string().length(63).nullable().index('dead_letter_party_idx'),
    originalBytes: p.blob(),
    errorCode: p.string().length(100),
    errorMessage: p.text(),
    issues: p.json<FieldIssue[]>(),
    createdAt: p.datetime().index('dead_letter_created_idx'),
    replayedAt: p.datetime().nullable(),
  },
});
export type DeadLetterRow = InferEntity<typeof DeadLetterEntity>;
