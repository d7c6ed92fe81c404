import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/knex';
import { LibSqlDriver } from '@mikro-orm/libsql';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from './entities.js';
import { parseDatabaseUrl, type DatabaseTarget, type Dialect } from './database-url.js';
import { migrationsFor } from './migrations/index.js';

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
    return { ...common, driver: LibSqlDriver };
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
  const orm = await MikroORM.init(ormConfig(target, options));
  if (target.dialect === 'sqlite') await tuneSqlite(orm);
  return orm;
}

/**
 * WAL lets readers (GraphQL) run while the ingest writes; NORMAL sync is durable in WAL mode
 * except on power loss. The gateway is read-heavy: a 64 MiB page cache, reads through a memory
 * map of up to 1 GiB (no copy per page read), temporary sort trees in memory. The pool holds the
 * one connection for the process's life, so these per-connection settings stay in force.
 */
async function tuneSqlite(orm: Orm): Promise<void> {
  const connection = orm.em.getConnection();
  await connection.execute('pragma journal_mode = wal');
  await connection.execute('pragma synchronous = normal');
  // Checkpoint every ~40 MB of WAL instead of ~4 MB: the ingest writes several MB per batch, so the default
  // copied (and fsynced) pages back at nearly every commit. Durability is the same: a commit is in the WAL either way.
  await connection.execute('pragma wal_autocheckpoint = 10000');
  await connection.execute('pragma foreign_keys = on');
  await connection.execute('pragma busy_timeout = 5000');
  await connection.execute('pragma cache_size = -65536');
  await connection.execute('pragma mmap_size = 1073741824');
  await connection.execute('pragma temp_store = memory');
}

export function dialectOf(orm: Orm): Dialect {
  return orm.config.get('driver') === PostgreSqlDriver ? 'postgresql' : 'sqlite';
}

/** Applies every pending committed migration. */
export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((migration) => migration.name);
}
