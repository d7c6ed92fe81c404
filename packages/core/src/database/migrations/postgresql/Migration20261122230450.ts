import { Migration } from '@mikro-orm/migrations';

export class Migration20261122230450 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "access_audit" ("id" uuid not null, "at" timestamptz not null, "principal" varchar(200) not null, "role" varchar(40) not null, "party" varchar(63) not null, "acting_for" varchar(63) null, "customer" uuid not null, "data_classes" jsonb not null, "agreement_ids" jsonb not null, "grantors" text not null, "request_id" varchar(200) not null, constraint "access_audit_pkey" primary key ("id"));`);
    this.addSql(`create index "access_audit_customer_time_idx" on "access_audit" ("customer", "at");`);
    this.addSql(`create index "access_audit_party_time_idx" on "access_audit" ("party", "at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "access_audit" cascade;`);
  }

}
