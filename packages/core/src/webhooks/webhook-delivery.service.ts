import { v7 as uuidv7 } from 'uuid';
import type { PartyId } from '@tandem/schema';
import { ValidationError } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { WebhookDeliveryEntity, type WebhookDeliveryOutcome, type WebhookDeliveryRow } from './webhook-delivery.entity.js';

export interface DeliveryAttemptInput {
  readonly party: PartyId;
  readonly partition: number;
  readonly position: number;
  readonly eventId: string;
  readonly attempt: number;
  readonly outcome: WebhookDeliveryOutcome;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly durationMs: number;
  readonly attemptedAt: Date;
  /** When the attempt settled (response or error). */
  readonly finishedAt: Date;
  readonly nextAttemptAt?: Date | null;
  readonly deadLetterId?: string | null;
}

/** Writes one attempt to the delivery log with the caller's flush (its transaction). */
export function recordDeliveryAttempt(em: Em, input: DeliveryAttemptInput): WebhookDeliveryRow {
  return em.create(WebhookDeliveryEntity, {
    id: uuidv7(),
    party: input.party,
    partition: input.partition,
    position: input.position,
    eventId: input.eventId,
    attempt: input.attempt,
    outcome: input.outcome,
    statusCode: input.statusCode,
    error: input.error,
    durationMs: Math.max(0, Math.round(input.durationMs)),
    attemptedAt: input.attemptedAt,
    deliveredAt: input.outcome === 'delivered' ? input.finishedAt : null,
    failedAt: input.outcome === 'delivered' ? null : input.finishedAt,
    nextAttemptAt: input.outcome === 'retry' ? (input.nextAttemptAt ?? null) : null,
    deadLetterId: input.deadLetterId ?? null,
  });
}

/** Where delivery of one bus message stands, from its log rows. */
export interface DeliveryProgress {
  readonly attempts: number;
  /** Delivered or dead-lettered: a redelivery of the message must not be sent again. */
  readonly settled: boolean;
  /** The latest attempt's `nextAttemptAt`. */
  readonly nextAttemptAt: Date | null;
}

/** Progress of the messages at `positions` of one partition of the party's outbound topic (one query). */
export async function deliveryProgress(em: Em, party: PartyId, partition: number, positions: readonly number[]): Promise<Map<number, DeliveryProgress>> {
  const progress = new Map<number, DeliveryProgress>();
  if (positions.length === 0) return progress;
  const rows = await em.find(
    WebhookDeliveryEntity,
    { party, partition, position: { $in: [...new Set(positions)] } },
    { fields: ['position', 'attempt', 'outcome', 'nextAttemptAt'], orderBy: { position: 'asc', attempt: 'asc' } },
  );
  for (const row of rows) {
    const before = progress.get(row.position);
    progress.set(row.position, {
      attempts: Math.max(before?.attempts ?? 0, row.attempt),
      settled: (before?.settled ?? false) || row.outcome !== 'retry',
      nextAttemptAt: row.nextAttemptAt ?? null,
    });
  }
  return progress;
}

export interface WebhookDeliveryPage {
  readonly items: WebhookDeliveryRow[];
  readonly hasNextPage: boolean;
}

const maxPageSize = 500;

/**
 * A party's delivery log, newest attempt first. `after` is the id of the last row of the
 * previous page; `eventId` narrows to the attempts at one event.
 */
export async function listWebhookDeliveries(
  em: Em,
  options: { readonly party: PartyId; readonly limit: number; readonly after?: string; readonly eventId?: string },
): Promise<WebhookDeliveryPage> {
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > maxPageSize) {
    throw new ValidationError([{ path: 'limit', message: `must be a whole number from 1 to ${maxPageSize}` }]);
  }
  let keyset = {};
  if (options.after) {
    const last = await em.findOne(WebhookDeliveryEntity, { id: options.after, party: options.party }, { fields: ['attemptedAt'] });
    if (!last) throw new ValidationError([{ path: 'after', message: `is not a delivery of ${options.party}` }]);
    keyset = { $or: [{ attemptedAt: { $lt: last.attemptedAt } }, { attemptedAt: last.attemptedAt, id: { $lt: options.after } }] };
  }
  const rows = await em.find(
    WebhookDeliveryEntity,
    { party: options.party, ...(options.eventId ? { eventId: options.eventId } : {}), ...keyset },
    { orderBy: { attemptedAt: 'desc', id: 'desc' }, limit: options.limit + 1 },
  );
  return { items: rows.slice(0, options.limit), hasNextPage: rows.length > options.limit };
}
