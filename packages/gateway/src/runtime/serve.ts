import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { AccessAuditor, CustomerChangeFeed, DeterministicIdentityResolver, dialectOf, openOrm, type Orm } from '@tandem/core';
import { LogRetention, startSyncEngine, WebhookDeliveryWorker, type InstrumentedBus } from '@tandem/connectors';
import type { Config } from '../config/config.js';
import { createApp, type AppDependencies } from '../http/app.js';
import { rateLimitStoreOf } from '../http/hardening/rate-limits.js';
import { busLogger, createConfiguredBus } from './bus.js';
import { onShutdown } from './hub.js';
import { joinProcessGroup } from './process-group.js';
import { createTokenService } from './signing-keys.js';

/** What `tandem serve` passes each HTTP process beyond the configuration. */
export interface ApiOptions {
  /** Whether this process is one of several sharing the port (rate limits counted by the primary). */
  readonly sibling: boolean;
  /** Further routes (the bench's ceiling route); mounted after the API. */
  readonly extend?: (app: Express, deps: { readonly orm: Orm; readonly auditor: AccessAuditor; readonly tokens: Awaited<ReturnType<typeof createTokenService>> }) => void;
  /** Overrides of the hardening options derived from the configuration. */
  readonly hardening?: AppDependencies['hardening'];
}

export interface RunningApi {
  readonly server: Server;
  /** Stops the server (drained, subscriptions ended) and what it opened, but not `orm` and `bus`. */
  readonly closers: readonly (() => Promise<void>)[];
  readonly endStreams: () => Promise<void>;
}

/** The API (`createApp`) on `PORT` over an open database and bus; resolves once listening. */
export async function serveApi(cfg: Config, logger: Logger, orm: Orm, bus: InstrumentedBus, options: ApiOptions): Promise<RunningApi> {
  const tokens = await createTokenService(cfg);
  const development = cfg.NODE_ENV !== 'production';
  const demoToken = development
    ? await tokens.issue({ subject: 'demo-dealer-staff', party: 'dealer-berlin', role: 'dealer_staff' }, { expiresIn: '30d' })
    : undefined;
  const auditor = new AccessAuditor(orm, { onError: (err, details) => logger.error({ err, ...details }, 'access audit write failed') });
  const customerChanges = new CustomerChangeFeed(orm);
  const app = createApp({
    orm,
    tokens,
    logger,
    readiness: readinessChecks(orm, bus),
    bus,
    auditor,
    graphiql: development ? { headers: { Authorization: `Bearer ${demoToken}` } } : false,
    production: !development,
    hardening: {
      trustedDocumentsOnly: cfg.TANDEM_TRUSTED_DOCUMENTS_ONLY,
      ...(cfg.TANDEM_CORS_ORIGINS ? { corsOrigins: cfg.TANDEM_CORS_ORIGINS } : {}),
      ...options.hardening,
    },
    subgraph: cfg.TANDEM_GRAPHQL_SUBGRAPH,
    customerChanges,
    // Sibling processes on SQLite count through their primary; on PostgreSQL every process shares the table.
    rateLimitStore: options.sibling && dialectOf(orm) === 'sqlite' ? { kind: 'processes' } : rateLimitStoreOf(orm),
  });
  options.extend?.(app, { orm, auditor, tokens });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(cfg.PORT, () => resolve(listening));
  });
  return { server, closers: [() => auditor.close()], endStreams: () => customerChanges.close() };
}

/** Readiness of a process: its database and its bus are reachable. */
export function readinessChecks(orm: Orm, bus: { isReady(): Promise<boolean> }) {
  return [
    { name: 'database', check: () => orm.isConnected() },
    { name: 'bus', check: () => bus.isReady() },
  ];
}

/** The sync engine, the outbound webhook deliveries and the log's retention, stopped together. */
export async function startEngine(orm: Orm, bus: InstrumentedBus, logger: Logger, cfg: Config): Promise<{ stop(): Promise<void> }> {
  const engine = await startSyncEngine({ orm, bus, resolver: new DeterministicIdentityResolver(), logger: busLogger(logger) });
  engine.events.on('message.dead-lettered', (event) => logger.warn(event, 'message dead-lettered'));
  engine.events.on('customers.unannounced', ({ error }) => logger.warn({ err: error }, 'could not announce changed customers to subscriptions'));
  const webhooks = new WebhookDeliveryWorker({ orm, bus, logger: busLogger(logger) });
  await webhooks.start();
  const retention = new LogRetention({ orm, retentionDays: cfg.TANDEM_LOG_RETENTION_DAYS, logger: busLogger(logger) });
  retention.start();
  return {
    async stop() {
      await retention.stop();
      await webhooks.stop();
      await engine.stop();
    },
  };
}

/**
 * A child of `tandem serve` (process-group.ts) doing its part: `http` serves the API on the
 * shared port, `engine` runs the sync engine. The primary migrated the database before forking.
 */
export async function runChild(role: 'http' | 'engine', cfg: Config, logger: Logger, api: Omit<ApiOptions, 'sibling'> = {}): Promise<void> {
  const orm = await openOrm({ databaseUrl: cfg.DATABASE_URL, poolSize: cfg.DATABASE_POOL_SIZE });
  const bus = createConfiguredBus(cfg, orm, logger);
  const group = joinProcessGroup(orm);
  const leave = async () => group.leave();
  if (role === 'engine') {
    const engine = await startEngine(orm, bus, logger, cfg);
    group.ready();
    onShutdown(logger, undefined, [() => engine.stop(), leave, () => bus.close(), () => orm.close()]);
    return;
  }
  const running = await serveApi(cfg, logger, orm, bus, { ...api, sibling: true });
  onShutdown(logger, running.server, [...running.closers, leave, () => bus.close(), () => orm.close()], running.endStreams);
}
