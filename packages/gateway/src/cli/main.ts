import { Command, InvalidArgumentError, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { migrate, openOrm, type Orm } from '@tandem/core';
import type { Logger } from 'pino';
import { TandemError } from '@tandem/schema';
import { loadConfig, redactConfig, type Config } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { createHealthApp } from '../http/app.js';
import { onShutdown, openHubDatabase } from '../runtime/hub.js';
import { createTokenService } from '../runtime/signing-keys.js';
import { principal as principalContract, roles } from '../auth/principal.js';
import { printSortedSchema, printSubgraphSdl } from '../graphql/schema.js';
import { seedDemoWorld } from '../seed/seed.service.js';
import { defaultDemoSeed } from '../seed/customer-generator.js';
import { createProgress } from './progress.js';
import { createConfiguredBus } from '../runtime/bus.js';
import { ProcessGroup, childRole } from '../runtime/process-group.js';
import { readinessChecks, runChild, serveApi, startEngine } from '../runtime/serve.js';
import { registerImportCommand, type CommandHub } from './import.command.js';
import { registerOperationsCommands } from './operations.command.js';
import { registerApiKeyCommand } from './api-key.command.js';

const program = new Command('tandem').description('Tandem — collaborative CRM integration hub').showHelpAfterError();

function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return parsed;
}

function config(): Config {
  return loadConfig();
}

program
  .command('serve')
  .description('serve the GraphQL gateway, /healthz and /readyz on PORT, and run the sync engine (in a process of its own beside several HTTP processes: TANDEM_HTTP_PROCESSES)')
  .option('--seed-demo', 'seed the demo world first when the database has no parties yet')
  .option('--no-worker', 'do not run the sync engine here (scale-out: separate `tandem worker` processes run it)')
  .action(async (options: { seedDemo?: boolean; worker: boolean }) => {
    const cfg = config();
    const role = childRole();
    const logger = createLogger(cfg.LOG_LEVEL, { pretty: process.stdout.isTTY && cfg.NODE_ENV !== 'production' });
    if (role) return runChild(role, cfg, logger.child({ process: role }));
    logger.info({ config: redactConfig(cfg) }, 'starting Tandem');
    const orm = await openHubDatabase(cfg, logger);
    if (options.seedDemo) await seedIfEmpty(orm, logger);
    // Before any child starts: a development secret generated now is the one every process reads.
    await createTokenService(cfg);
    const url = `http://localhost:${cfg.PORT}`;
    const graphql = `GraphQL${cfg.TANDEM_GRAPHQL_SUBGRAPH ? ' federation subgraph' : ''} at /graphql`;
    const listening = (detail: string) => {
      logger.info(`Tandem is listening on ${url} (${graphql}, ${detail})`);
      if (cfg.NODE_ENV !== 'production') logger.info('GraphiQL is preset with a token for dealer-berlin staff (development only)');
    };
    if (cfg.TANDEM_HTTP_PROCESSES > 1) {
      const group = await ProcessGroup.start({ httpProcesses: cfg.TANDEM_HTTP_PROCESSES, engine: options.worker, orm, logger });
      listening(`${cfg.TANDEM_HTTP_PROCESSES} HTTP processes${options.worker ? ' and the sync engine in its own' : ''}, ${cfg.KAFKA_BROKERS ? 'kafka' : 'embedded'} bus`);
      onShutdown(logger, undefined, [() => group.stop(), () => orm.close()]);
      return;
    }
    const bus = createConfiguredBus(cfg, orm, logger);
    const engine = options.worker ? await startEngine(orm, bus, logger, cfg) : undefined;
    const api = await serveApi(cfg, logger, orm, bus, { sibling: false });
    listening(`${bus.kind} bus`);
    onShutdown(logger, api.server, [async () => engine?.stop(), ...api.closers, () => bus.close(), () => orm.close()], api.endStreams);
  });

program
  .command('worker')
  .description('run the sync engine (ingest consumers, outbox relay) without the API; /healthz and /readyz on PORT')
  .action(async () => {
    const cfg = config();
    const logger = createLogger(cfg.LOG_LEVEL, { pretty: process.stdout.isTTY && cfg.NODE_ENV !== 'production' });
    const orm = await openHubDatabase(cfg, logger);
    const bus = createConfiguredBus(cfg, orm, logger);
    const engine = await startEngine(orm, bus, logger, cfg);
    const server = createHealthApp(readinessChecks(orm, bus)).listen(cfg.PORT, () => {
      logger.info(`Tandem worker running (${bus.kind} bus); health on http://localhost:${cfg.PORT}/readyz`);
    });
    onShutdown(logger, server, [() => engine.stop(), () => bus.close(), () => orm.close()]);
  });

program
  .command('migrate')
  .description('apply pending database migrations (SQLite or PostgreSQL, from DATABASE_URL)')
  .action(async () => {
    const cfg = config();
    const orm = await openOrm({ databaseUrl: cfg.DATABASE_URL });
    try {
      const applied = await migrate(orm);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    } finally {
      await orm.close();
    }
  });

program
  .command('seed')
  .description('seed the deterministic demo world: manufacturer, dealers in DE/LV/DK, two interaction centers, customers with history')
  .requiredOption('--demo', 'the demo world (the only world there is)')
  .option('--customers <n>', 'number of customers', positiveInt, 1200)
  .option('--seed <n>', 'random seed: the same seed gives the same world (default: the world `pnpm start` seeds)', positiveInt, defaultDemoSeed)
  .action(async (options: { customers: number; seed: number }) => {
    const cfg = config();
    const logger = createLogger(cfg.LOG_LEVEL);
    const orm = await openHubDatabase(cfg, logger);
    try {
      const progress = createProgress('seeding customers', options.customers);
      const result = await seedDemoWorld(orm, { customers: options.customers, seed: options.seed, onProgress: ({ done }) => progress.update(done) });
      progress.stop();
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } finally {
      await orm.close();
    }
  });

program
  .command('token')
  .description('issue a development bearer token for a principal of a party')
  .requiredOption('--party <id>', 'the party the principal belongs to')
  .addOption(new Option('--role <role>', 'the role').choices(roles).makeOptionMandatory())
  .option('--acting-for <client>', 'interaction-center agents: the client party they act for')
  .option('--subject <name>', 'who the token is for', 'cli-user')
  .option('--expires-in <duration>', 'lifetime, e.g. 8h, 30d', '8h')
  .action(async (options: { party: string; role: string; actingFor?: string; subject: string; expiresIn: string }) => {
    const parsed = principalContract.safeParse({ subject: options.subject, party: options.party, role: options.role, actingFor: options.actingFor });
    if (!parsed.success) throw new TandemError('BAD_INPUT', 'BAD_PRINCIPAL', parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`).join('; '));
    const tokens = await createTokenService(config());
    process.stdout.write(`${await tokens.issue(parsed.data, { expiresIn: options.expiresIn })}\n`);
  });

program
  .command('schema')
  .description('print the GraphQL schema (sorted SDL), or write it to a file')
  .option('--write <file>', 'write to this file instead of stdout')
  .option('--subgraph', 'the Apollo Federation v2 subgraph SDL (TANDEM_GRAPHQL_SUBGRAPH) instead of the public schema')
  .action((options: { write?: string; subgraph?: boolean }) => {
    const sdl = options.subgraph ? printSubgraphSdl() : printSortedSchema();
    if (options.write) writeFileSync(options.write, sdl);
    else process.stdout.write(sdl);
  });

/** The database and the bus for a one-shot command, as `serve` and `worker` open them. */
async function openCommandHub(): Promise<CommandHub> {
  const cfg = config();
  const logger = createLogger(cfg.LOG_LEVEL === 'info' ? 'warn' : cfg.LOG_LEVEL);
  const orm = await openHubDatabase(cfg, logger);
  const bus = createConfiguredBus(cfg, orm, logger);
  return {
    orm,
    bus,
    async close() {
      await bus.close();
      await orm.close();
    },
  };
}

registerImportCommand(program, { openHub: openCommandHub });
registerOperationsCommands(program, { openHub: openCommandHub });
registerApiKeyCommand(program, { openHub: openCommandHub });

async function seedIfEmpty(orm: Orm, logger: Logger): Promise<void> {
  const { PartyEntity } = await import('@tandem/core');
  const parties = await orm.em.fork().count(PartyEntity, {});
  if (parties > 0) return;
  logger.info('seeding the demo world (first start)');
  const progress = createProgress('seeding demo world', 1200);
  const result = await seedDemoWorld(orm, { onProgress: ({ done }) => progress.update(done) });
  progress.stop();
  logger.info(result, 'demo world seeded');
}

program.parseAsync().catch((error: unknown) => {
  const message = error instanceof TandemError ? `${error.code}: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`tandem: ${message}\n`);
  process.exit(1);
});
