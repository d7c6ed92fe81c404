import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { dialectOf, migrate, openOrm, type Orm } from '@tandem/core';
import { TandemError } from '@tandem/schema';
import type { Config } from '../config/config.js';

/** Opens the database. The embedded SQLite default migrates itself; PostgreSQL needs `tandem migrate` first. */
export async function openHubDatabase(config: Config, logger: Logger): Promise<Orm> {
  const orm = await openOrm({
    databaseUrl: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    ...(logger.isLevelEnabled('trace') ? { queryLogger: (message: string) => logger.trace({ component: 'orm' }, message) } : {}),
  });
  if (dialectOf(orm) === 'sqlite') {
    const applied = await migrate(orm);
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied database migrations');
    return orm;
  }
  const pending = await orm.getMigrator().getPendingMigrations();
  if (pending.length > 0) {
    await orm.close(true);
    throw new TandemError('UNAVAILABLE', 'MIGRATIONS_PENDING', `${pending.length} database migration(s) pending: run \`pnpm tandem migrate\` first`);
  }
  return orm;
}

/**
 * Stops accepting connections, ends long-lived responses (`endStreams`: open subscriptions) and
 * waits for requests in flight, then runs the remaining closers in order.
 */
export function onShutdown(logger: Logger, server: Server | undefined, closers: readonly (() => Promise<void>)[], endStreams?: () => Promise<void>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    if (server) {
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      await endStreams?.().catch((error: unknown) => logger.error({ err: error }, 'error ending open subscriptions'));
      await drained;
    }
    for (const close of closers) {
      await close().catch((error: unknown) => logger.error({ err: error }, 'error during shutdown'));
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
