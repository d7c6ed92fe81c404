import { Migration } from '@mikro-orm/migrations';

export class Migration20261122230439 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "api_key" ("id" uuid not null, "party" varchar(63) not null, "prefix" varchar(16) not null, "key_hash" varchar(64) not null, "scopes" jsonb not null, "label" varchar(200) null, "created_at" timestamptz not null, "revoked_at" timestamptz null, constraint "api_key_pkey" primary key ("id"));`);
    this.addSql(`create index "api_key_party_idx" on "api_key" ("party");`);
    this.addSql(`alter table "api_key" add constraint "api_key_prefix_unique" unique ("prefix");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "api_key" cascade;`);
  }

}
