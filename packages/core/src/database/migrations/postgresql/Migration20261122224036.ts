import { Migration } from '@mikro-orm/migrations';

export class Migration20261122224036 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "webhook_delivery" ("id" uuid not null, "party" varchar(63) not null, "partition" int not null, "position" bigint not null, "event_id" uuid not null, "attempt" int not null, "outcome" text check ("outcome" in ('delivered', 'retry', 'dead_lettered')) not null, "status_code" int null, "error" text null, "duration_ms" int not null, "attempted_at" timestamptz not null, "delivered_at" timestamptz null, "failed_at" timestamptz null, "next_attempt_at" timestamptz null, "dead_letter_id" uuid null, constraint "webhook_delivery_pkey" primary key ("id"));`);
    this.addSql(`create index "webhook_delivery_party_time_idx" on "webhook_delivery" ("party", "attempted_at");`);
    this.addSql(`create index "webhook_delivery_party_position_idx" on "webhook_delivery" ("party", "partition", "position");`);

    this.addSql(`create table "webhook_endpoint" ("party" varchar(63) not null, "inbound_secret" varchar(200) not null, "previous_inbound_secret" varchar(200) null, "previous_inbound_secret_until" timestamptz null, "outbound_url" varchar(2000) null, "outbound_secret" varchar(200) not null, "enabled" boolean not null, "consecutive_failures" int not null, "open_until" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "webhook_endpoint_pkey" primary key ("party"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "webhook_delivery" cascade;`);

    this.addSql(`drop table if exists "webhook_endpoint" cascade;`);
  }

}
