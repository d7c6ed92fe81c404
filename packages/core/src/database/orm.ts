import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/knex';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from './entities.js';
import { parseDatabaseUrl, type DatabaseTarget, type Dialect } from './database-url.js';
import { migrationsFor } from './migrations/index.js';
import { SqliteFileDriver, tuneSqliteConnection } from './sqlite-driver.js';

export type Orm = MikroORM;
export type Em = SqlEntityManager;

export interface OrmOptions {
  readonly databaseUrl: string;
  /** Receives MikroORM's query log when set (debug level). */
  readonly queryLogger?: (message: string) => void;
  /** PostgreSQL pool size per process. */
  readonly poolSize?: number;
}

/** The shared rate-limit counters of the gateway's replicas (rate-limiter-flexible's PostgreSQL store). */
export const rateLimitTable = 'rate_limit';
/** The reference tables' change token (reference-data.ts), written by triggers, not through the ORM. */
export const referenceVersionTable = 'reference_version';
/** Tables the migrations create that no entity maps: the schema generator leaves them alone. */
const unmappedTables = [rateLimitTable, referenceVersionTable] as const;

export function ormConfig(target: DatabaseTarget, options: Omit<OrmOptions, 'databaseUrl'> = {}): Options {
  const common = {
    entities,
    dbName: target.dbName,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    ignoreUndefinedInQuery: true,
    debug: options.queryLogger ? ['query'] : false,
    logger: options.queryLogger ?? (() => undefined),
    extensions: [Migrator],
    migrations: {
      migrationsList: migrationsFor(target.dialect),
      transactional: true,
      allOrNothing: true,
      snapshot: false,
    },
    discovery: { warnWhenNoEntities: true },
    schemaGenerator: { skipTables: [...unmappedTables] },
  } satisfies Options;
  if (target.dialect === 'sqlite') {
    return {
      ...common,
      driver: SqliteFileDriver,
      // Every connection the pool opens is tuned before anyone uses it (the settings are per connection).
      pool: {
        afterCreate: (connection: Parameters<typeof tuneSqliteConnection>[0], done: (error: Error | null, connection: unknown) => void) => {
          try {
            tuneSqliteConnection(connection);
            done(null, connection);
          } catch (error) {
            done(error as Error, connection);
          }
        },
      },
    };
  }
  return {
    ...common,
    driver: PostgreSqlDriver,
    clientUrl: `${target.clientUrl?.replace(/\/$/, '')}/${encodeURIComponent(target.dbName)}`,
    pool: { min: 0, max: options.poolSize ?? 10 },
  };
}

/** Opens the hub's database (creating the SQLite folder if needed). Call `migrate` before use. */
export async function openOrm(options: OrmOptions): Promise<Orm> {
  const target = parseDatabaseUrl(options.databaseUrl);
  if (target.dialect === 'sqlite' && target.dbName !== ':memory:') {
    mkdirSync(dirname(target.dbName), { recursive: true });
  }
  return MikroORM.init(ormConfig(target, options));
}

/**
 * Flushes the EntityManager's pending changes before a read past the unit of work, as a query
 * would. A fork that manages no entity and has nothing scheduled has none, and skips MikroORM's
 * flush: on every call that awaits three flush events and enters an AsyncLocalStorage, and the
 * first such call switches on promise hooks for the whole process, which every promise pays for.
 */
export async function flushPending(em: Em): Promise<void> {
  const uow = em.getUnitOfWork();
  if (uow.getPersistStack().size === 0 && uow.getRemoveStack().size === 0 && uow.getIdentityMap()[Symbol.iterator]().next().done) return;
  await em.flush();
}

export function dialectOf(orm: Orm): Dialect {
  return orm.config.get('driver') === PostgreSqlDriver ? 'postgresql' : 'sqlite';
}

/** Applies every pending committed migration. */
export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((migration) => migration.name);
}
