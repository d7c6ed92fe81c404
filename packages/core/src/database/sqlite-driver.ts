import { AbstractSqlDriver, LibSqlConnection, LibSqlKnexDialect, LibSqlPlatform, type Configuration } from '@mikro-orm/libsql';

/** What the tuning needs of a libsql connection. */
interface LibSqlDatabase {
  readonly open: boolean;
  exec(sql: string): unknown;
}

/** What the dialect changes of a knex transaction: how it begins. */
interface KnexTransaction {
  begin(connection: unknown): Promise<unknown>;
  query(connection: unknown, sql: string): Promise<unknown>;
}

/**
 * Settings of every connection to the hub's SQLite file (they are per connection, not stored in
 * the file, except WAL mode). WAL lets readers (GraphQL) run while the ingest writes; NORMAL sync
 * is durable in WAL mode except on power loss. The gateway is read-heavy: a 64 MiB page cache,
 * reads through a memory map of up to 1 GiB (no copy per page read), temporary sort trees in
 * memory. A writer waits up to 5 s for another process's write lock (a CLI import beside `serve`).
 */
const connectionSettings = [
  'pragma journal_mode = wal',
  'pragma synchronous = normal',
  // Checkpoint every ~40 MB of WAL instead of ~4 MB: the ingest writes several MB per batch, so the default
  // copied (and fsynced) pages back at nearly every commit. Durability is the same: a commit is in the WAL either way.
  'pragma wal_autocheckpoint = 10000',
  'pragma foreign_keys = on',
  'pragma busy_timeout = 5000',
  'pragma cache_size = -65536',
  'pragma mmap_size = 1073741824',
  'pragma temp_store = memory',
];

/** Applies `connectionSettings` to a new connection, before the pool hands it out. */
export function tuneSqliteConnection(connection: LibSqlDatabase): void {
  for (const setting of connectionSettings) connection.exec(setting);
}

class LocalFileDialect extends LibSqlKnexDialect {
  /**
   * MikroORM's libsql dialect retires a connection 10 s after opening it (for remote libsql
   * servers), and the pool's next connection came with SQLite's defaults: synchronous FULL (an
   * fsync per commit), a 2 MB page cache, no memory map, no busy timeout. A local file keeps its
   * one connection — its settings and its prepared statements — while it is open.
   */
  override validateConnection(connection: LibSqlDatabase): boolean {
    return connection.open;
  }

  /**
   * Transactions take the write lock when they begin (`BEGIN IMMEDIATE`). A deferred transaction
   * that read first fails at its first write (SQLITE_BUSY, no busy wait) when another process
   * wrote meanwhile; an immediate one waits its turn (busy timeout) and then sees that write.
   * Within one process it changes nothing: the process's one connection runs one transaction at
   * a time. The transaction begins after at least a microtask, so it is set before it is used.
   */
  transaction(...args: unknown[]): KnexTransaction {
    const transaction = (super.transaction as (...args: unknown[]) => KnexTransaction)(...args);
    transaction.begin = (connection) => transaction.query(connection, 'BEGIN IMMEDIATE;');
    return transaction;
  }
}

class LocalFileConnection extends LibSqlConnection {
  override createKnex(): void {
    this.client = this.createKnexClient(LocalFileDialect as unknown as string);
    this.connected = true;
  }
}

/** MikroORM's libsql driver with `LocalFileConnection`; every connection is tuned by the pool (`ormConfig`). */
export class SqliteFileDriver extends AbstractSqlDriver<LocalFileConnection, LibSqlPlatform> {
  constructor(config: Configuration) {
    super(config, new LibSqlPlatform(), LocalFileConnection, ['knex', 'libsql']);
  }
}
