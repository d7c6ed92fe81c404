import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Em, Orm } from '@tandem/core';
import { topics } from '@tandem/schema';
import type { MessageBatch, OutgoingMessage } from '../src/bus/bus.port.js';
import { EmbeddedLogBus } from '../src/embedded/embedded-log.bus.js';
import { queryRows } from '../src/embedded/log-sql.js';
import { pruneLog } from '../src/embedded/log-retention.js';
import { advanceRelayCursor } from '../src/relay/outbox-relay.js';
import { openTestOrm, testDialects } from '../../../tests/support/database.js';
import { within } from '../../../tests/support/waiting.js';

const message = (topic: string, seq: number): OutgoingMessage => ({ topic, key: `customer-${seq}`, value: JSON.stringify({ seq }), headers: { 'event-id': randomUUID() } });

describe.each(testDialects())('log retention on %s', (dialect) => {
  let orm: Orm;
  let close: () => Promise<void>;
  let bus: EmbeddedLogBus;
  const em = () => orm.em.fork() as Em;
  const keysOn = async (topic: string) =>
    (await queryRows<{ key: string }>(em(), 'select "key" from "outbox" where "topic" = ? order by "position"', [topic])).map((row) => row.key);

  /** Subscribes `groupId` to `topic` until it has seen `count` messages, then stops it (its offset stays committed). */
  async function consume(groupId: string, topic: string, count: number): Promise<void> {
    let seen = 0;
    let done!: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    const subscription = await bus.subscribe({ groupId, topics: [topic], handleBatch: async (batch: MessageBatch) => {
      seen += batch.messages.length;
      if (seen >= count) done();
    } });
    await within(all, 10_000, () => `${groupId} saw ${seen} of ${count} on ${topic}`);
    await subscription.stop();
  }

  beforeAll(async () => {
    ({ orm, close } = await openTestOrm(dialect));
    bus = new EmbeddedLogBus({ orm, pollIntervalMs: 20 });
  });
  afterAll(async () => {
    await bus.close();
    await close();
  });

  it('deletes old rows every group of their topic has read (and relayed ones), keeps what any group has yet to read', async () => {
    await bus.publish([message('tandem.out.dealer-berlin.v1', 1), message('tandem.out.dealer-berlin.v1', 2)]);
    await consume('webhooks-dealer-berlin', 'tandem.out.dealer-berlin.v1', 2);
    await consume('analytics', 'tandem.out.dealer-berlin.v1', 2);
    await bus.publish([message('tandem.out.dealer-berlin.v1', 3)]);
    await consume('webhooks-dealer-berlin', 'tandem.out.dealer-berlin.v1', 1); // `analytics` has not read customer-3 yet
    await bus.publish([message('tandem.in.oem.v1', 4)]); // no group reads this topic yet

    // Retention that ended before anything was written deletes nothing.
    expect(await pruneLog(em(), { before: new Date(Date.now() - 3_600_000) })).toBe(0);

    expect(await pruneLog(em(), { before: new Date(Date.now() + 1_000), chunkSize: 1 })).toBe(2);
    expect(await keysOn('tandem.out.dealer-berlin.v1')).toEqual(['customer-3']);
    expect(await keysOn('tandem.in.oem.v1')).toEqual(['customer-4']);

    // Once the lagging group caught up, its rows may go too.
    await consume('analytics', 'tandem.out.dealer-berlin.v1', 1);
    expect(await pruneLog(em(), { before: new Date(Date.now() + 1_000) })).toBe(1);
    expect(await keysOn('tandem.out.dealer-berlin.v1')).toEqual([]);
  });

  it('in Kafka mode deletes old rows the relay has published, keeps those it has not and inbound rows nobody read', async () => {
    await bus.publish([message('tandem.out.oem.v1', 5), message('tandem.out.oem.v1', 6), message(topics.deadLetters, 7)]);
    const [relayed] = await queryRows<{ position: number | string }>(em(), 'select "position" from "outbox" where "topic" = ? and "key" = ?', ['tandem.out.oem.v1', 'customer-5']);
    await advanceRelayCursor(em(), Number(relayed!.position));

    expect(await pruneLog(em(), { before: new Date(Date.now() - 3_600_000) })).toBe(0);
    expect(await pruneLog(em(), { before: new Date(Date.now() + 1_000) })).toBe(1);
    expect(await keysOn('tandem.out.oem.v1')).toEqual(['customer-6']);
    expect(await keysOn(topics.deadLetters)).toEqual(['customer-7']);
    expect(await keysOn('tandem.in.oem.v1')).toEqual(['customer-4']);
  });
});
