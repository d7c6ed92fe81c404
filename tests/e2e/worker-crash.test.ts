/**
 * A `tandem worker` killed with SIGKILL mid-stream and restarted loses nothing and duplicates
 * nothing: the inbox and the outbox rows commit in the same transaction as the state change.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import {
  ActivityEntity,
  ConsumerOffsetEntity,
  CustomerEntity,
  grantSharing,
  InboxEntryEntity,
  migrate,
  OutboxMessageEntity,
  openOrm,
  upsertParty,
  type Em,
  type Orm,
} from '@tandem/core';
import { EmbeddedLogBus, ingestGroup } from '@tandem/connectors';
import { topics } from '@tandem/schema';
import { createTestDatabase, testDialects, type TestDatabase } from '../support/database.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const customers = 400;

/** Parties, the dealers' agreements with the manufacturer, and `customers` contact + visit events per dealer on the log. */
async function buildBacklog(orm: Orm, dealers: readonly string[]): Promise<void> {
  await migrate(orm);
  const em = orm.em.fork() as Em;
  await upsertParty(em, { id: 'oem', kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin' });
  for (const dealer of dealers) {
    await upsertParty(em, { id: dealer, kind: 'dealer', name: `Auto ${dealer}`, country: 'LV', timeZone: 'Europe/Riga' });
    await grantSharing(em, { grantor: dealer, grantee: 'oem', dataClasses: ['identity', 'activities'], purpose: 'service', validFrom: '2020-01-01T00:00:00Z' });
  }
  const bus = new EmbeddedLogBus({ orm });
  for (const [d, dealer] of dealers.entries()) {
    const messages = [];
    for (let index = 0; index < customers; index++) {
      const key = `${dealer}:K-${index}`;
      for (const [type, payload] of [
        ['contact.upserted', { externalId: `K-${index}`, givenName: 'Jānis', familyName: `Bērziņš-${d}-${index}`, phones: [{ value: `2${String(6_000_000 + d * 100_000 + index)}` }] }],
        ['activity.recorded', { externalId: `V-${index}`, customerExternalId: `K-${index}`, channel: 'walk_in', direction: 'inbound', occurredAt: '2026-05-04T10:00:00Z', subject: 'Apkope' }],
      ] as const) {
        const id = uuidv7();
        messages.push({ topic: topics.inbound(dealer), key, headers: { 'event-id': id }, value: JSON.stringify({ id, type, version: 1, occurredAt: '2026-05-04T10:00:00Z', source: dealer, key, payload }) });
      }
    }
    await bus.publish(messages);
  }
  await bus.close();
}

function startWorker(databaseUrl: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'packages/gateway/src/cli/main.ts', 'worker'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'silent', NODE_ENV: 'test' },
    stdio: 'ignore',
  });
}

async function stopWorker(worker: ChildProcess): Promise<void> {
  const stopped = new Promise((resolve) => worker.once('exit', resolve));
  worker.kill('SIGTERM');
  await stopped;
}

/** The ingest group's committed position on a dealer's inbound topic, read from the shared database. */
async function committed(orm: Orm, dealer: string): Promise<number> {
  const row = await orm.em.fork().findOne(ConsumerOffsetEntity, { groupId: ingestGroup, topic: topics.inbound(dealer) });
  return row?.position ?? 0;
}

async function lastLogPosition(orm: Orm, dealer: string): Promise<number> {
  const last = await orm.em.fork().findOne(OutboxMessageEntity, { topic: topics.inbound(dealer) }, { orderBy: { position: 'desc' } });
  return last!.position;
}

/** Polls the shared database (the worker is another process: there is no event to wait on). */
async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Exactly one golden record, activity, inbox row and shared activity per event. */
async function expectExactlyOnce(orm: Orm, dealers: readonly string[]): Promise<void> {
  const em = orm.em.fork();
  expect(await em.count(CustomerEntity, {})).toBe(customers * dealers.length);
  expect(await em.count(ActivityEntity, {})).toBe(customers * dealers.length);
  expect(await em.count(InboxEntryEntity, { consumer: ingestGroup })).toBe(customers * dealers.length * 2);
  const shared = await em.find(OutboxMessageEntity, { topic: topics.outbound('oem') });
  expect(shared.filter((row) => row.payload.includes('"type":"activity.shared"'))).toHaveLength(customers * dealers.length);
}

describe('worker crash on the embedded log (SQLite file shared by two processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-crash-'));
  const databaseUrl = `file:${join(dir, 'tandem.db')}`;
  let orm: Orm;
  let lastPosition = 0;

  beforeAll(async () => {
    orm = await openOrm({ databaseUrl });
    await buildBacklog(orm, ['dealer-riga']);
    lastPosition = await lastLogPosition(orm, 'dealer-riga');
  }, 60_000);

  afterAll(async () => {
    await orm.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies every event exactly once across a SIGKILL and a restart', async () => {
    const first = startWorker(databaseUrl);
    const exited = new Promise((resolve) => first.once('exit', resolve));
    await until(async () => (await committed(orm, 'dealer-riga')) > 0, 'the first committed batch');
    first.kill('SIGKILL');
    await exited;
    expect(await committed(orm, 'dealer-riga')).toBeLessThan(lastPosition);

    const second = startWorker(databaseUrl);
    try {
      await until(async () => (await committed(orm, 'dealer-riga')) >= lastPosition, 'the restarted worker to catch up');
    } finally {
      await stopWorker(second);
    }
    await expectExactlyOnce(orm, ['dealer-riga']);
  }, 240_000);
});

describe.runIf(testDialects().includes('postgresql'))('two workers on one PostgreSQL database', () => {
  const dealers = ['dealer-riga', 'dealer-berlin', 'dealer-aarhus', 'dealer-munich'];
  let orm: Orm;
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('postgresql');
    orm = await openOrm({ databaseUrl: database.url });
    await buildBacklog(orm, dealers);
  }, 120_000);

  afterAll(async () => {
    await orm.close();
    await database.drop();
  });

  it('share the topics with no duplicate effects', async () => {
    const targets = await Promise.all(dealers.map((dealer) => lastLogPosition(orm, dealer)));
    const workers = [startWorker(database.url), startWorker(database.url)];
    try {
      await until(async () => (await Promise.all(dealers.map((dealer) => committed(orm, dealer)))).every((position, i) => position >= targets[i]!), 'both workers to drain the log');
    } finally {
      await Promise.all(workers.map(stopWorker));
    }
    await expectExactlyOnce(orm, dealers);
  }, 240_000);
});
