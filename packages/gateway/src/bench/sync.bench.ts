import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { v7 as uuidv7 } from 'uuid';
import { DeterministicIdentityResolver, grantSharing, migrate, openOrm, upsertParty, type Em, type Orm } from '@tandem/core';
import { createBus, KafkaBus, relayedUpTo, startSyncEngine, type InstrumentedBus, type OutgoingMessage, type TopicAdmin } from '@tandem/connectors';
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

/** Kafka mode (where the outbox holds only rows to relay): whether the relay has yet to publish one. */
async function unpublishedOutbound(orm: Orm): Promise<boolean> {
  const em = orm.em.fork() as Em;
  const [newest] = await em.getConnection().execute<{ position: number | null }[]>('select max("position") as "position" from "outbox"');
  return (newest?.position ?? 0) > (await relayedUpTo(em));
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const round = (value: number) => Math.round(value * 10) / 10;

/** The latency run as the partners see it: who publishes what, and what the OEM's topic already holds. */
export interface SteadyRun {
  readonly rate: number;
  readonly seconds: number;
  /** Index of the run's first customer (the throughput run used the ones before). */
  readonly firstCustomer: number;
  /** `activity.shared` messages on the OEM's outbound topic before the run: read (not measured) before publishing starts. */
  readonly alreadyShared: number;
}

export interface SteadyResult {
  /** Customers' events published per second, as achieved. */
  readonly publishedPerSec: number;
  /** Sorted: from each event's scheduled publish time to its projection arriving on the OEM's outbound topic. */
  readonly latencies: readonly number[];
}

/**
 * The partners' side of the latency run: the dealer's system publishing at a steady rate and the
 * OEM's consumer reading its outbound topic. An event's latency counts from the time it was due
 * to be published, so a publisher that falls behind shows as latency instead of a lower rate.
 * Publishes never overlap (the idempotent producer does not re-sequence across sends): events
 * that fall due while one is in flight go out together in the next.
 */
export async function runPartnerSide(bus: InstrumentedBus, run: SteadyRun): Promise<SteadyResult> {
  const customers = Math.round((run.rate * run.seconds) / 2);
  const latencies: number[] = [];
  let shared = 0;
  let caughtUp: () => void = () => undefined;
  const readBacklog = new Promise<void>((resolve) => {
    caughtUp = resolve;
  });
  let measuredFrom = Number.POSITIVE_INFINITY;
  const watcher = await bus.subscribe({
    groupId: `bench-latency-${uuidv7()}`,
    topics: [topics.outbound('oem')],
    handleBatch: async (batch) => {
      const now = Date.now();
      for (const message of batch.messages) {
        const envelope = JSON.parse(Buffer.from(message.value).toString('utf8')) as { type: string; occurredAt: string };
        if (envelope.type !== 'activity.shared') continue;
        shared += 1;
        const due = Date.parse(envelope.occurredAt);
        if (due >= measuredFrom) latencies.push(now - due);
      }
      if (shared >= run.alreadyShared) caughtUp();
    },
  });
  if (run.alreadyShared === 0) caughtUp();
  await readBacklog;

  const tickMs = 20;
  const perTick = Math.max(1, Math.round((run.rate / 2) * (tickMs / 1000)));
  const last = run.firstCustomer + customers;
  const started = Date.now();
  measuredFrom = started;
  let next = run.firstCustomer;
  let due: OutgoingMessage[] = [];
  let inFlight: Promise<void> = Promise.resolve();
  let sending = false;
  const send = () => {
    if (sending || due.length === 0) return;
    sending = true;
    const messages = due;
    due = [];
    inFlight = bus.publish(messages).finally(() => {
      sending = false;
      send();
    });
  };
  for (let tick = 0; next < last; tick++) {
    const at = new Date(started + tick * tickMs).toISOString();
    for (let i = 0; i < perTick && next < last; i++, next++) due.push(...customerEvents(next, at));
    send();
    const wait = started + (tick + 1) * tickMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  while (sending || due.length > 0) await inFlight;
  const publishedPerSec = Math.round(((customers * 2) / (Date.now() - started)) * 1000);
  while (latencies.length < customers) await new Promise((resolve) => setTimeout(resolve, 20));
  await watcher.stop();
  return { publishedPerSec, latencies: latencies.sort((a, b) => a - b) };
}

const benchMain = fileURLToPath(new URL('./main.ts', import.meta.url));

/** Kafka mode: the partners' side runs in its own process with its own producer and consumer, as partners' systems do. */
async function runPartnerProcess(brokers: readonly string[], run: SteadyRun): Promise<SteadyResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', benchMain, 'sync-partner', '--brokers', brokers.join(','), '--run', JSON.stringify(run)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0 || lines.length === 0) throw new Error(`bench sync-partner exited with code ${String(code)}`);
  return JSON.parse(lines[0]!) as SteadyResult;
}

/** The child of `runPartnerProcess`: prints the result as one JSON line. */
export async function serveSyncPartner(brokers: readonly string[], run: SteadyRun): Promise<void> {
  const bus = new KafkaBus({ brokers, clientId: 'sync-bench-partner', consumer: benchConsumer });
  try {
    process.stdout.write(`${JSON.stringify(await runPartnerSide(bus, run))}\n`);
  } finally {
    await bus.close();
  }
}

/** Short fetch waits: the test broker answers an empty fetch only after the whole wait. */
const benchConsumer = { maxWaitTimeInMs: 20, sessionTimeout: 6000, heartbeatInterval: 300 };

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
      ...(options.mode === 'kafka' ? { kafka: { consumer: benchConsumer, producerThread: true } } : {}),
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

    const run: SteadyRun = { rate: options.steadyRate, seconds: options.steadySeconds, firstCustomer: total / 2, alreadyShared: total / 2 };
    const steadyEvents = Math.round((run.rate * run.seconds) / 2) * 2;
    target = applied + steadyEvents;
    const steadyApplied = new Promise<void>((resolve) => {
      allApplied = resolve;
    });
    const steadyCpuBefore = process.cpuUsage();
    const steady = options.mode === 'kafka' && options.kafka ? await runPartnerProcess(options.kafka.brokers, run) : await runPartnerSide(bus, run);
    await steadyApplied;
    const steadyCpu = process.cpuUsage(steadyCpuBefore);
    await engine.stop();
    const { latencies } = steady;
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
      steadyRatePublished: steady.publishedPerSec,
      steadyCpuUsPerEvent: Math.round((steadyCpu.user + steadyCpu.system) / steadyEvents),
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
