import { v7 as uuidv7 } from 'uuid';
import type { FieldIssue, PartyId } from '@tandem/schema';
import { NotFoundError, TandemError, ValidationError } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { DeadLetterEntity, type DeadLetterRow, type DeadLetterSource } from './dead-letter.entity.js';

export interface DeadLetterInput {
  readonly source: DeadLetterSource;
  /** The party that sent the message, when known (the topic's party for bus sources). */
  readonly party: PartyId | null;
  readonly originalBytes: Uint8Array;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly issues: readonly FieldIssue[];
}

/** Keeps a message that could not be taken, byte for byte; written with the caller's flush (its transaction). */
export function recordDeadLetter(em: Em, input: DeadLetterInput, at = new Date()): DeadLetterRow {
  return em.create(DeadLetterEntity, {
    id: uuidv7(),
    source: input.source,
    party: input.party,
    originalBytes: Buffer.from(input.originalBytes),
    errorCode: input.errorCode,
    errorMessage: input.errorMessage,
    issues: [...input.issues],
    createdAt: at,
    replayedAt: null,
  });
}

/**
 * The dead letters already kept for these positions of one topic partition, by offset. A
 * redelivered batch uses it so a message is dead-lettered once, not once per delivery.
 */
export async function deadLettersAtOffsets(
  em: Em,
  position: { readonly party: PartyId | null; readonly topic: string; readonly partition: number },
  offsets: readonly string[],
): Promise<Map<string, DeadLetterRow>> {
  if (offsets.length === 0) return new Map();
  const rows = await em.find(
    DeadLetterEntity,
    {
      party: position.party,
      source: { kind: 'bus', topic: position.topic, partition: position.partition, offset: { $in: [...offsets] } },
    },
    { orderBy: { id: 'asc' } },
  );
  const found = new Map<string, DeadLetterRow>();
  for (const row of rows) {
    if (row.source.kind === 'bus' && !found.has(row.source.offset)) found.set(row.source.offset, row);
  }
  return found;
}

export interface DeadLetterPage {
  readonly items: DeadLetterRow[];
  readonly hasNextPage: boolean;
}

const maxPageSize = 500;

/**
 * Newest first. `after` is the id of the last dead letter of the previous page; `pending`
 * limits to letters not yet replayed.
 */
export async function listDeadLetters(
  em: Em,
  options: { readonly party?: PartyId; readonly limit: number; readonly after?: string; readonly pending?: boolean },
): Promise<DeadLetterPage> {
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > maxPageSize) {
    throw new ValidationError([{ path: 'limit', message: `must be a whole number from 1 to ${maxPageSize}` }]);
  }
  const rows = await em.find(
    DeadLetterEntity,
    {
      ...(options.party ? { party: options.party } : {}),
      ...(options.after ? { id: { $lt: options.after } } : {}),
      ...(options.pending ? { replayedAt: null } : {}),
    },
    { orderBy: { id: 'desc' }, limit: options.limit + 1 },
  );
  return { items: rows.slice(0, options.limit), hasNextPage: rows.length > options.limit };
}

export async function getDeadLetter(em: Em, id: string): Promise<DeadLetterRow> {
  const row = await em.findOne(DeadLetterEntity, { id });
  if (!row) throw new NotFoundError('Dead letter', id);
  return row;
}

/**
 * Marks a dead letter replayed, once: a second call (or a concurrent one) fails with
 * CONFLICT `DEAD_LETTER_ALREADY_REPLAYED`.
 */
export async function markReplayed(em: Em, id: string, at = new Date()): Promise<DeadLetterRow> {
  const updated = await em.nativeUpdate(DeadLetterEntity, { id, replayedAt: null }, { replayedAt: at });
  const row = await em.findOne(DeadLetterEntity, { id }, { refresh: true });
  if (!row) throw new NotFoundError('Dead letter', id);
  if (updated === 0) throw alreadyReplayed(row);
  return row;
}

export function alreadyReplayed(row: DeadLetterRow): TandemError {
  return new TandemError('CONFLICT', 'DEAD_LETTER_ALREADY_REPLAYED', `Dead letter ${row.id} was replayed at ${row.replayedAt?.toISOString() ?? 'an earlier time'}`);
}
