import { Migration } from '@mikro-orm/migrations';

/**
 * The gateway's rate-limit counters, shared by its replicas: the table rate-limiter-flexible's
 * PostgreSQL store expects (one row per key and window). Not an entity, so the schema generator
 * skips it (`rateLimitTable` in orm.ts); SQLite runs one gateway process and counts in memory.
 */
export class Migration20261123004200_rate_limit extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "rate_limit" ("key" varchar(255) not null, "points" integer not null default 0, "expire" bigint null, constraint "rate_limit_pkey" primary key ("key"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "rate_limit";`);
  }
}
