import { Migration } from '@mikro-orm/migrations';

export class Migration20261122224036 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`webhook_delivery\` (\`id\` text not null, \`party\` text not null, \`partition\` integer not null, \`position\` bigint not null, \`event_id\` text not null, \`attempt\` integer not null, \`outcome\` text check (\`outcome\` in ('delivered', 'retry', 'dead_lettered')) not null, \`status_code\` integer null, \`error\` text null, \`duration_ms\` integer not null, \`attempted_at\` datetime not null, \`delivered_at\` datetime null, \`failed_at\` datetime null, \`next_attempt_at\` datetime null, \`dead_letter_id\` text null, primary key (\`id\`));`);
    this.addSql(`create index \`webhook_delivery_party_time_idx\` on \`webhook_delivery\` (\`party\`, \`attempted_at\`);`);
    this.addSql(`create index \`webhook_delivery_party_position_idx\` on \`webhook_delivery\` (\`party\`, \`partition\`, \`position\`);`);

    this.addSql(`create table \`webhook_endpoint\` (\`party\` text not null, \`inbound_secret\` text not null, \`previous_inbound_secret\` text null, \`previous_inbound_secret_until\` datetime null, \`outbound_url\` text null, \`outbound_secret\` text not null, \`enabled\` integer not null, \`consecutive_failures\` integer not null, \`open_until\` datetime null, \`created_at\` datetime not null, \`updated_at\` datetime not null, primary key (\`party\`));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`webhook_delivery\`;`);
    this.addSql(`drop table if exists \`webhook_endpoint\`;`);
  }

}
