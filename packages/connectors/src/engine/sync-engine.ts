import { PartyEntity, type IdentityResolver, type Orm } from '@tandem/core';
import { topics } from '@tandem/schema';
import type { Subscription } from '../bus/bus.port.js';
import type { BusLogger, InstrumentedBus } from '../bus/bus-instrumentation.js';
import { createIngestHandler } from '../ingest/ingest.pipeline.js';
import { SyncInstrumentation } from '../instrumentation/sync-events.js';
import { OutboxRelay } from '../relay/outbox-relay.js';

/** The consumer group of every ingest worker: members share the inbound topics' partitions. */
export const ingestGroup = 'tandem-ingest';
/** Kafka: inbound partitions whose batches the ingest may take at once (see createIngestHandler). */
const INGEST_CONCURRENT_PARTITIONS = 16;
const inboundTopics = /^tandem\.in\.[a-z0-9][a-z0-9-]*\.v1$/;

export interface SyncEngineOptions {
  readonly orm: Orm;
  readonly bus: InstrumentedBus;
  readonly resolver: IdentityResolver;
  /** Partitions for topics this engine creates (Kafka); the embedded log has one per topic. */
  readonly partitions?: number;
  readonly logger?: BusLogger;
  readonly events?: SyncInstrumentation;
}

export interface SyncEngine {
  readonly events: SyncInstrumentation;
  /** The outbox relay (Kafka mode only; the embedded log needs none). */
  readonly relay: OutboxRelay | undefined;
  stop(): Promise<void>;
}

/**
 * Runs what a worker runs: the ingest consumer over every party's inbound topic and, in Kafka
 * mode, the outbox relay. Topics for every registered party exist before consuming starts.
 */
export async function startSyncEngine(options: SyncEngineOptions): Promise<SyncEngine> {
  const events = options.events ?? new SyncInstrumentation();
  const parties = await options.orm.em.fork().find(PartyEntity, {}, { fields: ['id'] });
  const partitions = options.partitions ?? 6;
  await options.bus.ensureTopics([
    ...parties.flatMap((party) => [
      { name: topics.inbound(party.id), partitions },
      { name: topics.outbound(party.id), partitions },
    ]),
    { name: topics.deadLetters, partitions },
  ]);
  const subscription: Subscription = await options.bus.subscribe({
    groupId: ingestGroup,
    topics: inboundTopics,
    // The ingest handler applies batches that arrive together in one transaction.
    concurrentPartitions: INGEST_CONCURRENT_PARTITIONS,
    handleBatch: createIngestHandler({ orm: options.orm, resolver: options.resolver, consumer: ingestGroup, events }),
  });
  const relay = options.bus.kind === 'kafka' ? new OutboxRelay({ orm: options.orm, bus: options.bus, ...(options.logger ? { logger: options.logger } : {}) }) : undefined;
  relay?.start();
  return {
    events,
    relay,
    async stop() {
      await subscription.stop();
      await relay?.stop();
    },
  };
}
