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

const root = fileURLToPath(new URL('../../', import.meta.url));
const customers = 400;

describe('worker crash on the embedded log (SQLite file shared by two processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-crash-'));
  const databaseUrl = `file:${join(dir, 'tandem.db')}`;
  let orm: Orm;
  let lastPosition = 0;

  beforeAll(async () => {
    orm = await openOrm({ databaseUrl });
    await migrate(orm);
    const em = orm.em.fork() as Em;
    await upsertParty(em, { id: 'dealer-riga', kind: 'dealer', name: 'Auto Rīga SIA', country: 'LV', timeZone: 'Europe/Riga' });
    await upsertParty(em, { id: 'oem', kind: 'manufacturer', name: 'Nordwagen AG', country: 'DE', timeZone: 'Europe/Berlin' });
    await grantSharing(em, { grantor: 'dealer-riga', grantee: 'oem', dataClasses: ['identity', 'activities'], purpose: 'service', validFrom: '2020-01-01T00:00:00Z' });
    const bus = new EmbeddedLogBus({ orm });
    const messages = [];
    for (let index = 0; index < customers; index++) {
      const key = `dealer-riga:K-${index}`;
      for (const [type, payload] of [
        ['contact.upserted', { externalId: `K-${index}`, givenName: 'Jānis', familyName: `Bērziņš-${index}`, phones: [{ value: `2${String(6_000_000 + index)}` }] }],
        ['activity.recorded', { externalId: `V-${index}`, customerExternalId: `K-${index}`, channel: 'walk_in', direction: 'inbound', occurredAt: '2026-05-04T10:00:00Z', subject: 'Apkope' }],
      ] as const) {
        const id = uuidv7();
        messages.push({ topic: topics.inbound('dealer-riga'), key, headers: { 'event-id': id }, value: JSON.stringify({ id, type, version: 1, occurredAt: '2026-05-04T10:00:00Z', source: 'dealer-riga', key, payload }) });
      }
    }
    await bus.publish(messages);
    await bus.close();
    const last = await orm.em.fork().findOne(OutboxMessageEntity, { topic: topics.inbound('dealer-riga') }, { orderBy: { position: 'desc' } });
    lastPosition = last!.position;
  }, 60_000);

  afterAll(async () => {
    await orm.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function startWorker(): ChildProcess {
    return spawn(process.execPath, ['--import', 'tsx', 'packages/gateway/src/cli/main.ts', 'worker'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'silent', NODE_ENV: 'test' },
      stdio: 'ignore',
    });
  }

  /** The ingest group's committed position, read from the database the worker writes. */
  async function committed(): Promise<number> {
    const row = await orm.em.fork().findOne(ConsumerOffsetEntity, { groupId: ingestGroup, topic: topics.inbound('dealer-riga') });
    return row?.position ?? 0;
  }

  async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('applies every event exactly once across a SIGKILL and a restart', async () => {
    const first = startWorker();
    const exited = new Promise((resolve) => first.once('exit', resolve));
    await until(async () => (await committed()) > 0, 'the first committed batch');
    first.kill('SIGKILL');
    await exited;
    const positionAtCrash = await committed();
    expect(positionAtCrash).toBeLessThan(lastPosition);

    const second = startWorker();
    try {
      await until(async () => (await committed()) >= lastPosition, 'the restarted worker to catch up');
    } finally {
      const stopped = new Promise((resolve) => second.once('exit', resolve));
      second.kill('SIGTERM');
      await stopped;
    }
    const em = orm.em.fork();
    expect(await em.count(CustomerEntity, {})).toBe(customers);
    expect(await em.count(ActivityEntity, {})).toBe(customers);
    expect(await em.count(InboxEntryEntity, { consumer: ingestGroup })).toBe(customers * 2);
    const shared = await em.find(OutboxMessageEntity, { topic: topics.outbound('oem') });
    const activitiesShared = shared.filter((row) => row.payload.includes('"type":"activity.shared"'));
    expect(activitiesShared).toHaveLength(customers);
  }, 240_000);
});
