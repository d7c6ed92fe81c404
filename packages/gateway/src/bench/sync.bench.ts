import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { DeterministicIdentityResolver, grantSharing, migrate, OutboxMessageEntity, openOrm, upsertParty, type Em, type Orm } from '@tandem/core';
import { createBus, startSyncEngine, type InstrumentedBus, type OutgoingMessage, type TopicAdmin } from '@tandem/connectors';
import { sourceKey, topics, type PartyInput } from '@tandem/schema';

export interface SyncBenchOptions {
  readonly mode: 'embedded' | 'kafka';
  /** Events in the throughput run (half contacts, half activities). */
  readonly events: number;
  /** Seconds of the steady-rate latency run. */
  readonly steadySeconds: number;
  /** Events per second in the latency run. */
  readonly steadyRate: number;
  readonly json: boolean;
  /** Kafka mode: brokers, and topic creation for brokers without admin support (the test broker). */
  readonly kafka?: { readonly brokers: readonly string[]; readonly topicAdmin?: TopicAdmin };
}

const source = 'dealer-bench';
const recipients = ['oem', 'agency-crm', 'agency-survey', 'supplier-parts', 'agency-analytics'] as const;
const partitions = 12;

const party = (id: string, kind: PartyInput['kind']): PartyInput => ({ id, kind, name: id, country: 'DE', timeZone: 'Europe/Berlin' });

async function buildWorld(orm: Orm): Promise<void> {
  const em = orm.em.fork() as Em;
  await upsertParty(em, party(source, 'dealer'));
  await upsertParty(em, party('oem', 'manufacturer'));
  for (const recipient of recipients.slice(1)) await upsertParty(em, party(recipient, recipient.startsWith('supplier') ? 'supplier' : 'agency'));
  for (const grantee of recipients) {
    await grantSharing(em, { grantor: source, grantee, dataClasses: ['identity', 'contact', 'vehicles', 'activities'], purpose: 'service', validFrom: '2020-01-01T00:00:00Z' });
  }
}

/** The i-th customer's two events: the contact, then an activity on it (same key, so in order). */
function customerEvents(index: number, occurredAt: string): OutgoingMessage[] {
  const externalId = `B-${index}`;
  const key = sourceKey(source, externalId);
  const envelope = (type: string, payload: unknown) => {
    const id = uuidv7();
    return { topic: topics.inbound(source), key, headers: { 'event-id': id }, value: JSON.stringify({ id, type, version: 1, occurredAt, source, key, payload }) };
  };
  return [
    envelope('contact.upserted', {
      externalId,
      givenName: 'Jürgen',
      familyName: `Müller-${index}`,
      phones: [{ value: `0151 ${String(10_000_000 + index)}`, label: 'mobile' }],
      emails: [{ value: `kunde.${index}@example.de` }],
      vehicles: [{ vin: `WNWBK1A0N${String(index).padStart(8, '0')}`, brand: 'Nordwagen', model: 'Fjord' }],
    }),
    envelope('activity.recorded', {
      externalId: `A-${index}`,
      customerExternalId: externalId,
      channel: 'walk_in',
      direction: 'inbound',
      occurredAt,
      subject: 'Inspektion',
      outcome: 'appointment booked',
    }),
  ];
}

/**
 * Kafka mode: whether an outbound row is still unpublished (in embedded mode the outbox is the log
 * and `published_at` stays null). The relay marks in position order, so the first such row sits near the start of the
 * unpublished index and the check stays cheap; a count would scan the whole backlog.
 */
async function unpublishedOutbound(orm: Orm): Promise<boolean> {
  const row = await (orm.em.fork() as Em).findOne(OutboxMessageEntity, { publishedAt: null, topic: { $like: 'tandem.out.%' } }, { fields: ['position'] });
  return row !== null;
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const round = (value: number) => Math.round(value * 10) / 10;

/**
 * The whole pipeline: inbound events → decode → inbox → golden record → activity → projections
 * for 5 recipient parties in the outbox, in one transaction per batch. Run 1 measures events/s
 * with a backlog; run 2 publishes at a steady rate and measures the time from publishing an event
 * to its projection being available on a recipient's outbound topic.
 */
export async function syncBench(options: SyncBenchOptions): Promise<Record<string, number | string>> {
  const log = (line: string) => {
    if (!options.json) process.stderr.write(`${line}\n`);
  };
  const dir = await mkdtemp(join(tmpdir(), 'tandem-sync-bench-'));
  const orm = await openOrm({ databaseUrl: `file:${join(dir, 'tandem.db')}` });
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 100);
  let bus: InstrumentedBus | undefined;
  try {
    await migrate(orm);
    await buildWorld(orm);
    bus = createBus({
      orm,
      clientId: 'sync-bench',
      ...(options.mode === 'kafka' && options.kafka ? { kafkaBrokers: options.kafka.brokers, ...(options.kafka.topicAdmin ? { topicAdmin: options.kafka.topicAdmin } : {}) } : {}),
      ...(process.env.BENCH_BATCH ? { embedded: { batchSize: Number(process.env.BENCH_BATCH) } } : {}),
      ...(options.mode === 'kafka' ? { kafka: { consumer: { maxWaitTimeInMs: 20, sessionTimeout: 6000, heartbeatInterval: 300 } } } : {}),
    });
    await bus.ensureTopics([{ name: topics.inbound(source), partitions }, ...recipients.map((recipient) => ({ name: topics.outbound(recipient), partitions }))]);

    const total = options.events - (options.events % 2);
    const backlog: OutgoingMessage[] = [];
    const publishedAt = new Date().toISOString();
    for (let index = 0; index < total / 2; index++) backlog.push(...customerEvents(index, publishedAt));
    for (let start = 0; start < backlog.length; start += 5_000) await bus.publish(backlog.slice(start, start + 5_000));
    log(`published ${backlog.length} events; ingesting`);

    let applied = 0;
    let allApplied: () => void = () => undefined;
    let target = total;
    const engine = await startSyncEngine({ orm, bus, resolver: new DeterministicIdentityResolver(), partitions });
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const done = new Promise<void>((resolve) => {
      allApplied = resolve;
    });
    engine.events.on('batch.committed', (batch) => {
      applied += batch.count;
      if (applied >= target) allApplied();
    });
    await done;
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const eventsPerSec = Math.round(total / seconds);
    log(`throughput: ${total} events in ${seconds.toFixed(1)} s = ${eventsPerSec} events/s`);

    // Kafka mode: the latency run starts once the relay has published the throughput run's outbox,
    // so it measures the steady rate alone, not the draining of a backlog.
    const drainStarted = performance.now();
    while (options.mode === 'kafka' && (await unpublishedOutbound(orm))) await new Promise((resolve) => setTimeout(resolve, 50));
    const drainMs = Math.round(performance.now() - drainStarted);
    if (options.mode === 'kafka') log(`relay: outbox published to Kafka ${drainMs} ms after the last batch was ingested`);

    const latencies: number[] = [];
    const watcher = await bus.subscribe({
      groupId: `bench-latency-${uuidv7()}`,
      topics: [topics.outbound('oem')],
      fromBeginning: false,
      handleBatch: async (batch) => {
        const now = Date.now();
        for (const message of batch.messages) {
          const envelope = JSON.parse(Buffer.from(message.value).toString('utf8')) as { type: string; occurredAt: string };
          if (envelope.type === 'activity.shared') latencies.push(now - Date.parse(envelope.occurredAt));
        }
      },
    });
    const steadyCustomers = Math.round((options.steadyRate * options.steadySeconds) / 2);
    target = applied + steadyCustomers * 2;
    const steadyDone = new Promise<void>((resolve) => {
      allApplied = resolve;
    });
    const tickMs = 20;
    const perTick = Math.max(1, Math.round((options.steadyRate / 2) * (tickMs / 1000)));
    let next = total / 2;
    const last = total / 2 + steadyCustomers;
    const tickStart = performance.now();
    for (let tick = 0; next < last; tick++) {
      const at = new Date().toISOString();
      const messages: OutgoingMessage[] = [];
      for (let i = 0; i < perTick && next < last; i++, next++) messages.push(...customerEvents(next, at));
      await bus.publish(messages);
      const wait = tickStart + (tick + 1) * tickMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    await steadyDone;
    while (latencies.length < steadyCustomers) await new Promise((resolve) => setTimeout(resolve, 20));
    await watcher.stop();
    await engine.stop();
    latencies.sort((a, b) => a - b);
    log(`latency at ${options.steadyRate} events/s: p50 ${percentile(latencies, 0.5)} ms, p99 ${percentile(latencies, 0.99)} ms`);
    return {
      scenario: 'sync',
      mode: options.mode,
      events: total,
      recipients: recipients.length,
      eventsPerSec,
      cpuUsPerEvent: Math.round((cpu.user + cpu.system) / total),
      ...(options.mode === 'kafka' ? { relayDrainMs: drainMs, eventsPerSecToKafka: Math.round(total / (seconds + drainMs / 1000)) } : {}),
      steadyRate: options.steadyRate,
      e2eP50Ms: percentile(latencies, 0.5),
      e2eP99Ms: percentile(latencies, 0.99),
      peakRssMb: round(peakRss / 1024 / 1024),
    };
  } finally {
    clearInterval(sampler);
    await bus?.close();
    await orm.close();
    await rm(dir, { recursive: true, force: true });
  }
}
