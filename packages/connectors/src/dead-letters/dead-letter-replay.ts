import { topics } from '@tandem/schema';
import { alreadyReplayed, getDeadLetter, markReplayed, type DeadLetterRow, type DeadLetterSource, type Em, type Orm } from '@tandem/core';
import type { Bus, OutgoingMessage } from '../bus/bus.port.js';

/**
 * Sends a dead letter's original bytes through ingest again — once its cause is fixed (the
 * customer now exists, the party is registered…) — and marks it replayed. Bus letters go back
 * to their original topic; webhook and file letters to their party's inbound topic. A message
 * that fails again becomes a new dead letter.
 *
 * Publish, then mark: a crash in between leaves the letter pending and a second replay sends
 * the bytes again, which the consumer's inbox makes harmless. A letter already replayed is
 * refused (CONFLICT `DEAD_LETTER_ALREADY_REPLAYED`).
 */
export async function replayDeadLetter(orm: Orm, bus: Bus, id: string, at = new Date()): Promise<DeadLetterRow> {
  const em = orm.em.fork() as Em;
  const letter = await getDeadLetter(em, id);
  if (letter.replayedAt) throw alreadyReplayed(letter);
  await bus.publish([replayMessage(letter)]);
  return markReplayed(orm.em.fork() as Em, id, at);
}

/** The message that replays a dead letter: its bytes unchanged, keyed as the sender keyed it when that can be read. */
export function replayMessage(letter: Pick<DeadLetterRow, 'id' | 'source' | 'originalBytes'>): OutgoingMessage {
  const value = new Uint8Array(letter.originalBytes);
  return { topic: replayTopic(letter.source), key: envelopeKey(value) ?? letter.id, value, headers: { 'replay-of': letter.id } };
}

export function replayTopic(source: DeadLetterSource): string {
  return source.kind === 'bus' ? source.topic : topics.inbound(source.party);
}

/** The envelope's partition key, so the replay lands in the customer's partition; undefined for bytes that are not an envelope. */
function envelopeKey(value: Uint8Array): string | undefined {
  try {
    const json: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(value));
    const key = typeof json === 'object' && json !== null ? (json as { key?: unknown }).key : undefined;
    return typeof key === 'string' && key.length > 0 ? key : undefined;
  } catch {
    return undefined;
  }
}
