import { v7 as uuidv7 } from 'uuid';
import type { FieldIssue, InboundEventType, PartyId } from '@tandem/schema';
import { sourceKey, TandemError, topics } from '@tandem/schema';
import { DeadLetterEntity, DeterministicIdentityResolver, type Em, type IdentityResolver, type Orm } from '@tandem/core';
import { createIngestHandler, ingestGroup, SyncInstrumentation, type ConsumedMessage } from '@tandem/connectors';

export interface ApiEvent {
  readonly type: InboundEventType;
  /** The payload as its contract's output; serialised to JSON, it decodes to itself. */
  readonly payload: object;
  /** The sender's own record key of the customer concerned: the partition key before resolution. */
  readonly customerExternalId: string;
}

export interface ApiIngestOptions {
  readonly orm: Orm;
  /** The resolver the sync engine uses (default: the deterministic one, as `tandem serve`). */
  readonly resolver?: IdentityResolver;
}

/** Not a bus partition: marks positions of events that came through the API, never through a topic. */
const API_PARTITION = -1;
const encoder = new TextEncoder();

/**
 * Applies one event a principal sends through the API exactly as the sync engine applies a
 * partner's message: an inbound envelope from the caller's party, run through the ingest handler
 * as a batch of one (decode with the contract, inbox, state change, fan-out to the outbox, in one
 * transaction). Resolves once that transaction has committed.
 *
 * A refusal comes back to the caller as the domain error (code, category and field issues, paths
 * under `input.`) instead of staying a dead letter: the caller is answered synchronously and
 * fixes its input, there is nothing to replay. The pipeline's dead letter is removed again.
 */
export async function ingestApiEvent(options: ApiIngestOptions, party: PartyId, event: ApiEvent): Promise<void> {
  const id = uuidv7();
  const envelope = { id, type: event.type, version: 1, occurredAt: new Date().toISOString(), source: party, key: sourceKey(party, event.customerExternalId), payload: event.payload };
  const topic = topics.inbound(party);
  const message: ConsumedMessage = {
    topic,
    partition: API_PARTITION,
    // Unique and decimal, like a bus offset: a dead letter of one call is never taken for another's.
    offset: BigInt(`0x${id.replaceAll('-', '')}`).toString(),
    key: envelope.key,
    value: encoder.encode(JSON.stringify(envelope)),
    headers: { 'event-id': id, origin: 'graphql' },
  };
  const events = new SyncInstrumentation();
  let refusal: unknown;
  let deadLetterId: string | undefined;
  events.on('batch.split', (split) => {
    refusal = split.error;
  });
  events.on('message.dead-lettered', (letter) => {
    deadLetterId = letter.deadLetterId;
  });
  const handle = createIngestHandler({ orm: options.orm, resolver: options.resolver ?? defaultResolver, consumer: ingestGroup, events });
  await handle({ topic, partition: API_PARTITION, messages: [message] });
  if (!deadLetterId) return;
  const em = options.orm.em.fork() as Em;
  const letter = await em.findOne(DeadLetterEntity, { id: deadLetterId });
  await em.nativeDelete(DeadLetterEntity, { id: deadLetterId });
  if (refusal instanceof TandemError) throw asInputError(refusal);
  throw asInputError(new TandemError('BAD_INPUT', letter?.errorCode ?? 'REFUSED', letter?.errorMessage ?? 'the event was refused', { issues: letter?.issues ?? [] }));
}

const defaultResolver = new DeterministicIdentityResolver();

/** The same error with field paths as the GraphQL caller wrote them (`input.customerExternalId`, not `payload.…`). */
function asInputError(error: TandemError): TandemError {
  if (error.issues.length === 0) return error;
  const issues: FieldIssue[] = error.issues.map((issue) => ({ path: inputPath(issue.path), message: issue.message }));
  const message = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  return new TandemError(error.category, error.code, message, { issues, retriable: error.retriable, cause: error });
}

function inputPath(path: string): string {
  const inner = path.startsWith('payload.') ? path.slice('payload.'.length) : path === 'payload' ? '' : path;
  return inner ? `input.${inner}` : 'input';
}
