import { Migration } from '@mikro-orm/migrations';

export class Migration20261122221641 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "argumentation_aid" ("id" uuid not null, "brand" varchar(80) not null, "title" varchar(200) not null, "body" text not null, "language" varchar(35) not null, "applies_to" jsonb not null, "created_at" timestamptz not null, constraint "argumentation_aid_pkey" primary key ("id"));`);
    this.addSql(`create index "argumentation_aid_brand_idx" on "argumentation_aid" ("brand");`);

    this.addSql(`create table "call_event" ("id" uuid not null, "party" varchar(63) not null, "call_id" varchar(200) not null, "state" text check ("state" in ('ringing', 'answered', 'ended')) not null, "at" timestamptz not null, "caller_number" varchar(16) not null, "dialled_number" varchar(16) not null, "agent" varchar(200) null, "on_behalf_of" varchar(63) null, "customer" uuid null, constraint "call_event_pkey" primary key ("id"));`);
    this.addSql(`create index "call_event_caller_idx" on "call_event" ("caller_number");`);
    this.addSql(`alter table "call_event" add constraint "call_event_party_call_state_uq" unique ("party", "call_id", "state");`);

    this.addSql(`create table "consumer_offset" ("group_id" varchar(100) not null, "topic" varchar(200) not null, "position" bigint not null, "updated_at" timestamptz not null, constraint "consumer_offset_pkey" primary key ("group_id", "topic"));`);

    this.addSql(`create table "customer" ("id" uuid not null, "kind" text check ("kind" in ('person', 'company')) not null, "given_name" varchar(200) null, "family_name" varchar(200) null, "company_name" varchar(200) null, "name_key" varchar(200) not null, "preferred_language" varchar(35) null, "provenance" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "customer_pkey" primary key ("id"));`);
    this.addSql(`create index "customer_name_key_idx" on "customer" ("name_key");`);

    this.addSql(`create table "contact_point" ("id" uuid not null, "customer_id" uuid not null, "type" text check ("type" in ('phone', 'email')) not null, "value" varchar(320) not null, "label" text check ("label" in ('mobile', 'home', 'work', 'other')) not null, "source_party" varchar(63) not null, "updated_at" timestamptz not null, constraint "contact_point_pkey" primary key ("id"));`);
    this.addSql(`create index "contact_point_type_value_idx" on "contact_point" ("type", "value");`);
    this.addSql(`alter table "contact_point" add constraint "contact_point_customer_type_value_uq" unique ("customer_id", "type", "value");`);

    this.addSql(`create table "consent" ("id" uuid not null, "customer_id" uuid not null, "purpose" text check ("purpose" in ('marketing', 'service_reminders', 'surveys', 'profiling', 'data_sharing')) not null, "channel" text check ("channel" in ('phone', 'email', 'letter', 'web', 'chat', 'sms', 'field_visit', 'walk_in')) null, "granted" boolean not null, "recorded_at" timestamptz not null, "recorded_by" varchar(63) not null, "proof" text not null, constraint "consent_pkey" primary key ("id"));`);
    this.addSql(`create index "consent_customer_purpose_idx" on "consent" ("customer_id", "purpose", "recorded_at");`);

    this.addSql(`create table "address" ("id" uuid not null, "customer_id" uuid not null, "street" varchar(200) not null, "postal_code" varchar(20) not null, "city" varchar(100) not null, "country" varchar(2) not null, "label" text check ("label" in ('mobile', 'home', 'work', 'other')) not null, "source_party" varchar(63) not null, "updated_at" timestamptz not null, constraint "address_pkey" primary key ("id"));`);
    this.addSql(`create index "address_customer_idx" on "address" ("customer_id");`);

    this.addSql(`create table "activity" ("id" uuid not null, "customer_id" uuid not null, "party" varchar(63) not null, "external_id" varchar(200) not null, "channel" text check ("channel" in ('phone', 'email', 'letter', 'web', 'chat', 'sms', 'field_visit', 'walk_in')) not null, "direction" text check ("direction" in ('inbound', 'outbound', 'internal')) not null, "occurred_at" timestamptz not null, "duration_seconds" int null, "subject" varchar(300) null, "outcome" varchar(300) null, "content" text null, "actor" varchar(200) null, "on_behalf_of" varchar(63) null, "brand" varchar(80) null, "recorded_at" timestamptz not null, constraint "activity_pkey" primary key ("id"));`);
    this.addSql(`create index "activity_customer_time_idx" on "activity" ("customer_id", "occurred_at", "id");`);
    this.addSql(`alter table "activity" add constraint "activity_party_external_uq" unique ("party", "external_id");`);

    this.addSql(`create table "dead_letter" ("id" uuid not null, "source" jsonb not null, "party" varchar(63) null, "original_bytes" bytea not null, "error_code" varchar(100) not null, "error_message" text not null, "issues" jsonb not null, "created_at" timestamptz not null, "replayed_at" timestamptz null, constraint "dead_letter_pkey" primary key ("id"));`);
    this.addSql(`create index "dead_letter_party_idx" on "dead_letter" ("party");`);
    this.addSql(`create index "dead_letter_created_idx" on "dead_letter" ("created_at");`);

    this.addSql(`create table "inbox" ("consumer" varchar(100) not null, "event_id" uuid not null, "processed_at" timestamptz not null, constraint "inbox_pkey" primary key ("consumer", "event_id"));`);

    this.addSql(`create table "outbox" ("position" bigserial primary key, "topic" varchar(200) not null, "key" varchar(300) not null, "event_id" uuid not null, "payload" text not null, "created_at" timestamptz not null, "published_at" timestamptz null);`);
    this.addSql(`create index "outbox_topic_position_idx" on "outbox" ("topic", "position");`);
    this.addSql(`create index "outbox_unpublished_idx" on "outbox" ("published_at", "position");`);

    this.addSql(`create table "party" ("id" varchar(63) not null, "kind" text check ("kind" in ('manufacturer', 'dealer', 'interaction_center', 'agency', 'supplier')) not null, "name" varchar(200) not null, "country" varchar(2) not null, "time_zone" varchar(64) not null, "brands" jsonb not null, "business_hours" jsonb not null, "clients" jsonb not null, "created_at" timestamptz not null, constraint "party_pkey" primary key ("id"));`);

    this.addSql(`create table "sharing_agreement" ("id" uuid not null, "grantor" varchar(63) not null, "grantee" varchar(63) not null, "data_classes" jsonb not null, "purpose" text check ("purpose" in ('sales', 'service', 'customer_care', 'marketing', 'analytics')) not null, "valid_from" timestamptz not null, "valid_until" timestamptz null, "revoked_at" timestamptz null, "created_at" timestamptz not null, constraint "sharing_agreement_pkey" primary key ("id"));`);
    this.addSql(`create index "sharing_agreement_grantor_idx" on "sharing_agreement" ("grantor");`);
    this.addSql(`create index "sharing_agreement_grantee_idx" on "sharing_agreement" ("grantee");`);

    this.addSql(`create table "source_record" ("party" varchar(63) not null, "external_id" varchar(200) not null, "customer_id" uuid not null, "linked_at" timestamptz not null, "identity" jsonb not null, "deleted_at" timestamptz null, constraint "source_record_pkey" primary key ("party", "external_id"));`);
    this.addSql(`create index "source_record_customer_idx" on "source_record" ("customer_id");`);

    this.addSql(`create table "task" ("id" uuid not null, "customer_id" uuid not null, "creator" varchar(63) not null, "external_id" varchar(200) not null, "assignee" varchar(63) not null, "kind" text check ("kind" in ('callback', 'lead', 'service_appointment', 'complaint', 'information')) not null, "title" varchar(300) not null, "description" text null, "due_at" timestamptz null, "status" text check ("status" in ('open', 'accepted', 'completed', 'rejected', 'cancelled')) not null, "on_behalf_of" varchar(63) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "task_pkey" primary key ("id"));`);
    this.addSql(`create index "task_customer_idx" on "task" ("customer_id");`);
    this.addSql(`create index "task_assignee_status_idx" on "task" ("assignee", "status");`);
    this.addSql(`alter table "task" add constraint "task_creator_external_uq" unique ("creator", "external_id");`);

    this.addSql(`create table "vehicle" ("vin" varchar(17) not null, "brand" varchar(80) not null, "model" varchar(100) not null, "registration_date" varchar(10) null, "updated_at" timestamptz not null, constraint "vehicle_pkey" primary key ("vin"));`);

    this.addSql(`create table "customer_vehicle" ("id" uuid not null, "customer_id" uuid not null, "vehicle_vin" varchar(17) not null, "relation" text check ("relation" in ('owner', 'driver', 'fleet_manager')) not null, "source_party" varchar(63) not null, "updated_at" timestamptz not null, constraint "customer_vehicle_pkey" primary key ("id"));`);
    this.addSql(`create index "customer_vehicle_vin_idx" on "customer_vehicle" ("vehicle_vin");`);
    this.addSql(`alter table "customer_vehicle" add constraint "customer_vehicle_uq" unique ("customer_id", "vehicle_vin", "relation");`);

    this.addSql(`alter table "contact_point" add constraint "contact_point_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "consent" add constraint "consent_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "address" add constraint "address_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "activity" add constraint "activity_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "source_record" add constraint "source_record_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "task" add constraint "task_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "customer_vehicle" add constraint "customer_vehicle_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "customer_vehicle" add constraint "customer_vehicle_vehicle_vin_foreign" foreign key ("vehicle_vin") references "vehicle" ("vin") on update cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "contact_point" drop constraint "contact_point_customer_id_foreign";`);

    this.addSql(`alter table "consent" drop constraint "consent_customer_id_foreign";`);

    this.addSql(`alter table "address" drop constraint "address_customer_id_foreign";`);

    this.addSql(`alter table "activity" drop constraint "activity_customer_id_foreign";`);

    this.addSql(`alter table "source_record" drop constraint "source_record_customer_id_foreign";`);

    this.addSql(`alter table "task" drop constraint "task_customer_id_foreign";`);

    this.addSql(`alter table "customer_vehicle" drop constraint "customer_vehicle_customer_id_foreign";`);

    this.addSql(`alter table "customer_vehicle" drop constraint "customer_vehicle_vehicle_vin_foreign";`);

    this.addSql(`drop table if exists "argumentation_aid" cascade;`);

    this.addSql(`drop table if exists "call_event" cascade;`);

    this.addSql(`drop table if exists "consumer_offset" cascade;`);

    this.addSql(`drop table if exists "customer" cascade;`);

    this.addSql(`drop table if exists "contact_point" cascade;`);

    this.addSql(`drop table if exists "consent" cascade;`);

    this.addSql(`drop table if exists "address" cascade;`);

    this.addSql(`drop table if exists "activity" cascade;`);

    this.addSql(`drop table if exists "dead_letter" cascade;`);

    this.addSql(`drop table if exists "inbox" cascade;`);

    this.addSql(`drop table if exists "outbox" cascade;`);

    this.addSql(`drop table if exists "party" cascade;`);

    this.addSql(`drop table if exists "sharing_agreement" cascade;`);

    this.addSql(`drop table if exists "source_record" cascade;`);

    this.addSql(`drop table if exists "task" cascade;`);

    this.addSql(`drop table if exists "vehicle" cascade;`);

    this.addSql(`drop table if exists "customer_vehicle" cascade;`);
  }

}
