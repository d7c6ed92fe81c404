import { Migration } from '@mikro-orm/migrations';

export class Migration20261122221641 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`argumentation_aid\` (\`id\` text not null, \`brand\` text not null, \`title\` text not null, \`body\` text not null, \`language\` text not null, \`applies_to\` json not null, \`created_at\` datetime not null, primary key (\`id\`));`);
    this.addSql(`create index \`argumentation_aid_brand_idx\` on \`argumentation_aid\` (\`brand\`);`);

    this.addSql(`create table \`call_event\` (\`id\` text not null, \`party\` text not null, \`call_id\` text not null, \`state\` text check (\`state\` in ('ringing', 'answered', 'ended')) not null, \`at\` datetime not null, \`caller_number\` text not null, \`dialled_number\` text not null, \`agent\` text null, \`on_behalf_of\` text null, \`customer\` text null, primary key (\`id\`));`);
    this.addSql(`create index \`call_event_caller_idx\` on \`call_event\` (\`caller_number\`);`);
    this.addSql(`create unique index \`call_event_party_call_state_uq\` on \`call_event\` (\`party\`, \`call_id\`, \`state\`);`);

    this.addSql(`create table \`consumer_offset\` (\`group_id\` text not null, \`topic\` text not null, \`position\` bigint not null, \`updated_at\` datetime not null, primary key (\`group_id\`, \`topic\`));`);

    this.addSql(`create table \`customer\` (\`id\` text not null, \`kind\` text check (\`kind\` in ('person', 'company')) not null, \`given_name\` text null, \`family_name\` text null, \`company_name\` text null, \`name_key\` text not null, \`preferred_language\` text null, \`provenance\` json not null, \`created_at\` datetime not null, \`updated_at\` datetime not null, primary key (\`id\`));`);
    this.addSql(`create index \`customer_name_key_idx\` on \`customer\` (\`name_key\`);`);

    this.addSql(`create table \`contact_point\` (\`id\` text not null, \`customer_id\` text not null, \`type\` text check (\`type\` in ('phone', 'email')) not null, \`value\` text not null, \`label\` text check (\`label\` in ('mobile', 'home', 'work', 'other')) not null, \`source_party\` text not null, \`updated_at\` datetime not null, constraint \`contact_point_customer_id_foreign\` foreign key(\`customer_id\`) references \`customer\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`contact_point_customer_id_index\` on \`contact_point\` (\`customer_id\`);`);
    this.addSql(`create index \`contact_point_type_value_idx\` on \`contact_point\` (\`type\`, \`value\`);`);
    this.addSql(`create unique index \`contact_point_customer_type_value_uq\` on \`contact_point\` (\`customer_id\`, \`type\`, \`value\`);`);

    this.addSql(`create table \`consent\` (\`id\` text not null, \`customer_id\` text not null, \`purpose\` text check (\`purpose\` in ('marketing', 'service_reminders', 'surveys', 'profiling', 'data_sharing')) not null, \`channel\` text check (\`channel\` in ('phone', 'email', 'letter', 'web', 'chat', 'sms', 'field_visit', 'walk_in')) null, \`granted\` integer not null, \`recorded_at\` datetime not null, \`recorded_by\` text not null, \`proof\` text not null, constraint \`consent_customer_id_foreign\` foreign key(\`customer_id\`) references \`customer\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`consent_customer_id_index\` on \`consent\` (\`customer_id\`);`);
    this.addSql(`create index \`consent_customer_purpose_idx\` on \`consent\` (\`customer_id\`, \`purpose\`, \`recorded_at\`);`);

    this.addSql(`create table \`address\` (\`id\` text not null, \`customer_id\` text not null, \`street\` text not null, \`postal_code\` text not null, \`city\` text not null, \`country\` text not null, \`label\` text check (\`label\` in ('mobile', 'home', 'work', 'other')) not null, \`source_party\` text not null, \`updated_at\` datetime not null, constraint \`address_customer_id_foreign\` foreign key(\`customer_id\`) references \`customer\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`address_customer_idx\` on \`address\` (\`customer_id\`);`);

    this.addSql(`create table \`activity\` (\`id\` text not null, \`customer_id\` text not null, \`party\` text not null, \`external_id\` text not null, \`channel\` text check (\`channel\` in ('phone', 'email', 'letter', 'web', 'chat', 'sms', 'field_visit', 'walk_in')) not null, \`direction\` text check (\`direction\` in ('inbound', 'outbound', 'internal')) not null, \`occurred_at\` datetime not null, \`duration_seconds\` integer null, \`subject\` text null, \`outcome\` text null, \`content\` text null, \`actor\` text null, \`on_behalf_of\` text null, \`brand\` text null, \`recorded_at\` datetime not null, constraint \`activity_customer_id_foreign\` foreign key(\`customer_id\`) references \`customer\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`activity_customer_id_index\` on \`activity\` (\`customer_id\`);`);
    this.addSql(`create index \`activity_customer_time_idx\` on \`activity\` (\`customer_id\`, \`occurred_at\`, \`id\`);`);
    this.addSql(`create unique index \`activity_party_external_uq\` on \`activity\` (\`party\`, \`external_id\`);`);

    this.addSql(`create table \`dead_letter\` (\`id\` text not null, \`source\` json not null, \`party\` text null, \`original_bytes\` blob not null, \`error_code\` text not null, \`error_message\` text not null, \`issues\` json not null, \`created_at\` datetime not null, \`replayed_at\` datetime null, primary key (\`id\`));`);
    this.addSql(`create index \`dead_letter_party_idx\` on \`dead_letter\` (\`party\`);`);
    this.addSql(`create index \`dead_letter_created_idx\` on \`dead_letter\` (\`created_at\`);`);

    this.addSql(`create table \`inbox\` (\`consumer\` text not null, \`event_id\` text not null, \`processed_at\` datetime not null, primary key (\`consumer\`, \`event_id\`));`);

    this.addSql(`create table \`outbox\` (\`position\` integer not null primary key autoincrement, \`topic\` text not null, \`key\` text not null, \`event_id\` text not null, \`payload\` text not null, \`created_at\` datetime not null, \`published_at\` datetime null);`);
    this.addSql(`create index \`outbox_topic_position_idx\` on \`outbox\` (\`topic\`, \`position\`);`);
    this.addSql(`create index \`outbox_unpublished_idx\` on \`outbox\` (\`published_at\`, \`position\`);`);

    this.addSql(`create table \`party\` (\`id\` text not null, \`kind\` text check (\`kind\` in ('manufacturer', 'dealer', 'interaction_center', 'agency', 'supplier')) not null, \`name\` text not null, \`country\` text not null, \`time_zone\` text not null, \`brands\` json not null, \`business_hours\` json not null, \`clients\` json not null, \`created_at\` datetime not null, primary key (\`id\`));`);

    this.addSql(`create table \`sharing_agreement\` (\`id\` text not null, \`grantor\` text not null, \`grantee\` text not null, \`data_classes\` json not null, \`purpose\` text check (\`purpose\` in ('sales', 'service', 'customer_care', 'marketing', 'analytics')) not null, \`valid_from\` datetime not null, \`valid_until\` datetime null, \`revoked_at\` datetime null, \`created_at\` datetime not null, primary key (\`id\`));`);
    this.addSql(`create index \`sharing_agreement_grantor_idx\` on \`sharing_agreement\` (\`grantor\`);`);
    this.addSql(`create index \`sharing_agreement_grantee_idx\` on \`sharing_agreement\` (\`grantee\`);`);

    this.addSql(`create table \`source_record\` (\`party\` text not null, \`external_id\` text not null, \`customer_id\` text not null, \`linked_at\` datetime not null, \`identity\` json not null, \`deleted_at\` datetime null, constraint \`source_record_customer_id_foreign\` foreign key(\`customer_id\`) references \`customer\`(\`id\`) on delete cascade on update cascade, primary key (\`party\`, \`external_id\`));`);
    this.addSql(`create index \`source_record_customer_idx\` on \`source_record\` (\`customer_id\`);`);

    this.addSql(`create table \`task\` (\`id\` text not null, \`customer_id\` text not null, \`creator\` text not null, \`external_id\` text not null, \`assignee\` text not null, \`kind\` text check (\`kind\` in ('callback', 'lead', 'service_appointment', 'complaint', 'information')) not null, \`title\` text not null, \`description\` text null, \`due_at\` datetime null, \`status\` text check (\`status\` in ('open', 'accepted', 'completed', 'rejected', 'cancelled')) not null, \`on_behalf_of\` text null, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`task_customer_id_foreign\` foreign key(\`customer_id\`) references \`customer\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`task_customer_idx\` on \`task\` (\`customer_id\`);`);
    this.addSql(`create index \`task_assignee_status_idx\` on \`task\` (\`assignee\`, \`status\`);`);
    this.addSql(`create unique index \`task_creator_external_uq\` on \`task\` (\`creator\`, \`external_id\`);`);

    this.addSql(`create table \`vehicle\` (\`vin\` text not null, \`brand\` text not null, \`model\` text not null, \`registration_date\` text null, \`updated_at\` datetime not null, primary key (\`vin\`));`);

    this.addSql(`create table \`customer_vehicle\` (\`id\` text not null, \`customer_id\` text not null, \`vehicle_vin\` text not null, \`relation\` text check (\`relation\` in ('owner', 'driver', 'fleet_manager')) not null, \`source_party\` text not null, \`updated_at\` datetime not null, constraint \`customer_vehicle_customer_id_foreign\` foreign key(\`customer_id\`) references \`customer\`(\`id\`) on delete cascade on update cascade, constraint \`customer_vehicle_vehicle_vin_foreign\` foreign key(\`vehicle_vin\`) references \`vehicle\`(\`vin\`) on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`customer_vehicle_customer_id_index\` on \`customer_vehicle\` (\`customer_id\`);`);
    this.addSql(`create index \`customer_vehicle_vin_idx\` on \`customer_vehicle\` (\`vehicle_vin\`);`);
    this.addSql(`create unique index \`customer_vehicle_uq\` on \`customer_vehicle\` (\`customer_id\`, \`vehicle_vin\`, \`relation\`);`);
  }

}
