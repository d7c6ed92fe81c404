import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { topics } from '@tandem/schema';
import {
  ActivityEntity,
  DeterministicIdentityResolver,
  getDeadLetter,
  listDeadLetters,
  markReplayed,
  OutboxMessageEntity,
  recordDeadLetter,
  upsertParty,
  type Em,
  type Orm,
} from '@tandem/core';
import type { ConsumedMessage, MessageBatch } from '../src/bus/bus.port.js';
import { EmbeddedLogBus } from '../src/embedded/embedded-log.bus.js';
import { replayDeadLetter } from '../src/dead-letters/dead-letter-replay.js';
import { createIngestHandler } from '../src/ingest/ingest.pipeline.js';
import { SyncInstrumentation } from '../src/instrumentation/sync-events.js';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';

const encoder = new TextEncoder();
let nextOffset = 5000;

function batchOf(topic: string, values: readonly (object | string)[]): MessageBatch {
  const messages = values.map(
    (value): ConsumedMessage => ({
      topic,
      partition: 0,
      offset: String((nextOffset += 1)),
      key: 'k',
      value: encoder.encode(typeof value === 'string' ? value : JSON.stringify(value)),
      headers: {},
    }),
  );
  return { topic, partition: 0, messages };
}

function envelope(source: string, type: string, payload: unknown) {
  return { id: uuidv7(), type, version: 1, occurredAt: '2026-05-04T10:00:00+03:00', source, key: `${source}:${type}`, payload };
}

describe.each(testDialects())('dead letters on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  let bus: EmbeddedLogBus;
  const events = new SyncInstrumentation();
  const topic = topics.inbound('dealer-riga');
  let handle: (batch: MessageBatch) => Promise<void>;

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    const em = orm.em.fork() as Em;
    await upsertParty(em, { id: 'dealer-riga', kind: 'dealer', name: 'Auto Rīga SIA', country: 'LV', timeZone: 'Europe/Riga' });
    await upsertParty(em, { id: 'dealer-tartu', kind: 'dealer', name: 'Tartu Auto OÜ', country: 'EE', timeZone: 'Europe/Tallinn' });
    await upsertParty(em, { id: 'dealer-vilnius', kind: 'dealer', name: 'Vilniaus Auto UAB', country: 'LT', timeZone: 'Europe/Vilnius' });
    bus = new EmbeddedLogBus({ orm, pollIntervalMs: 5 });
    handle = createIngestHandler({ orm, resolver: new DeterministicIdentityResolver(), consumer: 'dead-letter-test', events });
  });
  afterAll(async () => {
    await bus.close();
    await close();
  });

  const fork = () => orm.em.fork() as Em;

  async function deadLetterOf(batch: MessageBatch): Promise<string> {
    const dead = events.waitFor('message.dead-lettered', (event) => event.topic === batch.topic && event.offset === batch.messages[0]?.offset);
    await handle(batch);
    return (await dead).deadLetterId;
  }

  it('replays a dead letter once its cause is fixed: the original bytes go through ingest again', async () => {
    const activity = envelope('dealer-riga', 'activity.recorded', {
      externalId: 'R-ACT-1',
      customerExternalId: 'R-77',
      channel: 'phone',
      direction: 'inbound',
      occurredAt: '2026-05-04T09:55:00+03:00',
      subject: 'Service booking',
    });
    const early = batchOf(topic, [activity]);
    const id = await deadLetterOf(early);
    expect(await getDeadLetter(fork(), id)).toMatchObject({ errorCode: 'UNKNOWN_CUSTOMER', replayedAt: null });

    // The cause is fixed: the customer arrives.
    await handle(batchOf(topic, [envelope('dealer-riga', 'contact.upserted', { externalId: 'R-77', familyName: 'Kalniņa', phones: [{ value: '2611 1111' }] })]));

    const applied = events.waitFor('batch.committed', (event) => event.topic === topic && event.applied === 1);
    const subscription = await bus.subscribe({ groupId: `replay-${dialect}-${uuidv7()}`, topics: [topic], handleBatch: handle });
    try {
      const replayed = await replayDeadLetter(orm, bus, id);
      expect(replayed.replayedAt).toBeInstanceOf(Date);
      await applied;
    } finally {
      await subscription.stop();
    }
    const em = fork();
    expect(await em.findOne(ActivityEntity, { party: 'dealer-riga', externalId: 'R-ACT-1' })).toMatchObject({ subject: 'Service booking' });
    const [republished] = await em.find(OutboxMessageEntity, { topic }, { orderBy: { position: 'desc' }, limit: 1 });
    expect(republished?.payload).toBe(new TextDecoder().decode(early.messages[0]!.value));
    expect(republished?.key).toBe('dealer-riga:activity.recorded');

    await expect(replayDeadLetter(orm, bus, id)).rejects.toMatchObject({ code: 'DEAD_LETTER_ALREADY_REPLAYED', category: 'CONFLICT' });
    expect(await em.count(OutboxMessageEntity, { topic })).toBe(1);
  });

  it("replays a webhook or file dead letter to its party's inbound topic", async () => {
    const em = fork();
    const bytes = encoder.encode(JSON.stringify(envelope('dealer-tartu', 'contact.upserted', { externalId: 'T-1' })));
    const webhook = recordDeadLetter(em, {
      source: { kind: 'webhook', party: 'dealer-tartu', requestId: 'req-1' },
      party: 'dealer-tartu',
      originalBytes: bytes,
      errorCode: 'INVALID_PAYLOAD',
      errorMessage: 'payload.familyName: is required for a person',
      issues: [{ path: 'payload.familyName', message: 'is required for a person' }],
    });
    const file = recordDeadLetter(em, {
      source: { kind: 'file', party: 'dealer-tartu', file: 'contacts.csv', row: 12 },
      party: 'dealer-tartu',
      originalBytes: bytes,
      errorCode: 'INVALID_PAYLOAD',
      errorMessage: 'payload.familyName: is required for a person',
      issues: [],
    });
    await em.flush();
    for (const letter of [webhook, file]) {
      await replayDeadLetter(orm, bus, letter.id);
      const [row] = await fork().find(OutboxMessageEntity, {}, { orderBy: { position: 'desc' }, limit: 1 });
      expect(row).toMatchObject({ topic: topics.inbound('dealer-tartu'), key: 'dealer-tartu:contact.upserted', payload: new TextDecoder().decode(bytes) });
    }
  });

  it('lists dead letters newest first, by party, page by page, and marks each replayed only once', async () => {
    const vilnius = topics.inbound('dealer-vilnius');
    const ids: string[] = [];
    for (const text of ['{', '[', 'null']) ids.push(await deadLetterOf(batchOf(vilnius, [text])));
    const em = fork();
    const first = await listDeadLetters(em, { party: 'dealer-vilnius', limit: 2, pending: true });
    expect(first.items.map((letter) => letter.id)).toEqual([ids[2], ids[1]]);
    expect(first.hasNextPage).toBe(true);
    const second = await listDeadLetters(em, { party: 'dealer-vilnius', limit: 2, pending: true, after: first.items[1]!.id });
    expect(second.items.map((letter) => letter.id)).toEqual([ids[0]]);
    expect(second.hasNextPage).toBe(false);
    expect((await listDeadLetters(em, { party: 'dealer-tartu', limit: 10 })).items.every((letter) => letter.party === 'dealer-tartu')).toBe(true);
    expect(second.items[0]).toMatchObject({ errorCode: 'MALFORMED_JSON', source: { kind: 'bus', topic: vilnius, partition: 0 } });
    expect(first.items[0]).toMatchObject({ errorCode: 'INVALID_ENVELOPE' });

    await markReplayed(em, ids[0]!);
    await expect(markReplayed(fork(), ids[0]!)).rejects.toMatchObject({ code: 'DEAD_LETTER_ALREADY_REPLAYED' });
    await expect(getDeadLetter(fork(), uuidv7())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(listDeadLetters(fork(), { limit: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await listDeadLetters(fork(), { party: 'dealer-vilnius', limit: 10, pending: true })).items.map((letter) => letter.id)).not.toContain(ids[0]);
  });
});
