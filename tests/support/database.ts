import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate, openOrm, type Dialect, type Orm } from '@tandem/core';

/**
 * The dialects every database suite runs on: SQLite always, PostgreSQL when TEST_POSTGRES_URL
 * is set. With TANDEM_REQUIRE_POSTGRES=1 a missing URL is an error, never a silent skip (CI).
 */
export function testDialects(): Dialect[] {
  if (process.env.TEST_POSTGRES_URL) return ['sqlite', 'postgresql'];
  if (process.env.TANDEM_REQUIRE_POSTGRES === '1') {
    throw new Error('TANDEM_REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set');
  }
  return ['sqlite'];
}

export interface TestDatabase {
  readonly dialect: Dialect;
  readonly url: string;
  /** Drops the database (PostgreSQL) or leaves the in-memory one to be collected. */
  drop(): Promise<void>;
}

/** A database of its own for one test file: a fresh in-memory SQLite, or a new PostgreSQL database. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') return { dialect, url: 'file::memory:', drop: async () => undefined };
  const adminUrl = process.env.TEST_POSTGRES_URL;
  if (!adminUrl) throw new Error('TEST_POSTGRES_URL is not set');
  const name = `tandem_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    dialect,
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** A migrated ORM on a database of its own, and its teardown. */
export async function openTestOrm(dialect: Dialect): Promise<{ orm: Orm; database: TestDatabase; close(): Promise<void> }> {
  const database = await createTestDatabase(dialect);
  const orm = await openOrm({ databaseUrl: database.url, poolSize: 4 });
  await migrate(orm);
  return {
    orm,
    database,
    close: async () => {
      await orm.close(true);
      await database.drop();
    },
  };
}
