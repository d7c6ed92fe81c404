import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { version as uuidVersion } from 'uuid';
import { OutboxMessageEntity, openOrm, type Em, type Orm } from '@tandem/core';
import type { OutgoingMessage } from '../src/bus/bus.port.js';
import { EmbeddedLogBus, appendToLog } from '../src/embedded/embedded-log.bus.js';
import { createBus } from '../src/bus/create-bus.js';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';
import { within, collector, uniqueName as unique } from '../../../tests/support/waiting.js';



function numbered(topic: string, count: number, from = 0): OutgoingMessage[] {
  return Array.from({ length: count }, (_, index) => ({ topic, key: `customer-${(from + index) % 7}`, value: String(from + index) }));
}

describe.each(testDialects())('embedded log on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  let databaseUrl: string;
  let bus: EmbeddedLogBus;

  beforeAll(async () => {
    const test = await openTestOrm(dialect);
    ({ orm, close } = test);
    databaseUrl = test.database.url;
    bus = new EmbeddedLogBus({ orm, pollIntervalMs: 20 });
  });
  afterAll(async () => {
    await bus?.close();
    await close?.();
  });

  it('appendToLog writes within the caller transaction: a rollback leaves nothing in the log', async () => {
    const topic = unique('embedded-atomic');
    const eventId = randomUUID();
    await expect(
      (orm.em.fork() as Em).transactional(async (tx) => {
        await appendToLog(tx, [{ topic, key: 'k', value: 'lost', headers: { 'event-id': eventId } }]);
        throw new Error('state change failed');
      }),
    ).rejects.toThrow('state change failed');
    expect(await (orm.em.fork() as Em).count(OutboxMessageEntity, { topic })).toBe(0);

    await (orm.em.fork() as Em).transactional((tx) =>
      appendToLog(tx, [
        { topic, key: 'k', value: 'kept', headers: { 'event-id': eventId } },
        { topic, key: 'k', value: new TextEncoder().encode('bytes: ü') },
      ]),
    );
    const rows = await (orm.em.fork() as Em).find(OutboxMessageEntity, { topic }, { orderBy: { position: 'asc' } });
    expect(rows.map((row) => row.payload)).toEqual(['kept', 'bytes: ü']);
    expect(rows[0]!.eventId).toBe(eventId);
    expect(uuidVersion(rows[1]!.eventId)).toBe(7);
    expect(rows.every((row) => row.createdAt instanceof Date)).toBe(true);
  });

  it('rejects an event-id header that is not a UUID, and a value that is not UTF-8, before writing anything', async () => {
    const topic = unique('embedded-invalid');
    await expect(bus.publish([{ topic, key: 'k', value: 'x', headers: { 'event-id': 'evt-1' } }])).rejects.toThrow(/event-id header must be a UUID/);
    await expect(bus.publish([...numbered(topic, 3), { topic, key: 'k', value: new Uint8Array([0xff, 0xfe]) }])).rejects.toThrow(/not valid UTF-8/);
    expect(await (orm.em.fork() as Em).count(OutboxMessageEntity, { topic })).toBe(0);
  });

  it('publishes more messages than one insert statement holds, complete and in order', async () => {
    const topic = unique('embedded-chunks');
    const messages = numbered(topic, 1_234);
    await bus.publish(messages);
    const consumed = collector();
    const subscription = await bus.subscribe({ groupId: unique('embedded-chunks-group'), topics: [topic], handleBatch: consumed.handle });
    await consumed.until(messages.length);
    await subscription.stop();
    expect(consumed.messages.map((message) => new TextDecoder().decode(message.value))).toEqual(messages.map((message) => message.value));
  });

  it('with fromBeginning false, a new group gets only what is appended after subscribing', async () => {
    const topic = unique('embedded-latest');
    await bus.publish(numbered(topic, 5));
    const consumed = collector();
    const subscription = await bus.subscribe({ groupId: unique('embedded-latest-group'), topics: [topic], fromBeginning: false, handleBatch: consumed.handle });
    await bus.publish(numbered(topic, 3, 100));
    await consumed.until(3);
    await subscription.stop();
    expect(consumed.messages.map((message) => new TextDecoder().decode(message.value))).toEqual(['100', '101', '102']);
  });

  it('a RegExp subscription picks up topics that appear after it started', async () => {
    const prefix = unique('embedded-late');
    const consumed = collector();
    const subscription = await bus.subscribe({ groupId: unique('embedded-late-group'), topics: new RegExp(`^${prefix}\\.`), handleBatch: consumed.handle });
    await bus.publish(numbered(`${prefix}.first`, 2));
    await consumed.until(2);
    await bus.publish(numbered(`${prefix}.second`, 2));
    await consumed.until(4);
    await subscription.stop();
    expect(consumed.messages.map((message) => message.topic)).toEqual([`${prefix}.first`, `${prefix}.first`, `${prefix}.second`, `${prefix}.second`]);
  });

  it('is ready while the database answers', async () => {
    expect(await bus.isReady()).toBe(true);
  });

  it('createBus picks the adapter from configuration only', async () => {
    const embedded = createBus({ orm, clientId: 'tandem-test', kafkaBrokers: [] });
    const kafka = createBus({ orm, clientId: 'tandem-test', kafkaBrokers: ['127.0.0.1:9'] });
    expect([embedded.kind, kafka.kind]).toEqual(['embedded', 'kafka']);
    await Promise.all([embedded.close(), kafka.close()]);
  });

  it.skipIf(dialect !== 'postgresql')('concurrent appenders commit in position order, so a reader never skips a row', async () => {
    const topic = unique('embedded-commit-order');
    const consumed = collector();
    const subscription = await bus.subscribe({ groupId: unique('embedded-commit-order-group'), topics: [topic], handleBatch: consumed.handle });
    const other = await openOrm({ databaseUrl, poolSize: 2 });
    // The first transaction takes its position, then stays open until released.
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let appended!: () => void;
    const firstAppended = new Promise<void>((resolve) => {
      appended = resolve;
    });
    const first = (orm.em.fork() as Em).transactional(async (tx) => {
      await appendToLog(tx, [{ topic, key: 'k', value: 'first' }]);
      appended();
      await released;
    });
    try {
      await firstAppended;
      // A second appender on another connection must wait for it instead of committing a higher position first.
      const second = new EmbeddedLogBus({ orm: other }).publish([{ topic, key: 'k', value: 'second' }]);
      const admin = orm.em.fork() as Em;
      const secondWaits = (async () => {
        // No event exists for "blocked on a lock": poll pg_locks until it shows the waiter.
        for (;;) {
          const [row] = await admin.execute<{ waiting: number | string }[]>(
            `select count(*) as "waiting" from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`,
          );
          if (Number(row?.waiting) > 0) return;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })();
      await within(secondWaits, 10_000, () => 'the second appender did not wait for the append lock');
      release();
      await Promise.all([first, second]);
      await consumed.until(2);
      expect(consumed.messages.map((message) => new TextDecoder().decode(message.value))).toEqual(['first', 'second']);
    } finally {
      release();
      await first.catch(() => undefined);
      await subscription.stop();
      await other.close(true);
    }
  });
});
