import { Migration } from '@mikro-orm/migrations';

export class Migration20261122230449 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`access_audit\` (\`id\` text not null, \`at\` datetime not null, \`principal\` text not null, \`role\` text not null, \`party\` text not null, \`acting_for\` text null, \`customer\` text not null, \`data_classes\` json not null, \`agreement_ids\` json not null, \`grantors\` text not null, \`request_id\` text not null, primary key (\`id\`));`);
    this.addSql(`create index \`access_audit_customer_time_idx\` on \`access_audit\` (\`customer\`, \`at\`);`);
    this.addSql(`create index \`access_audit_party_time_idx\` on \`access_audit\` (\`party\`, \`at\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`access_audit\`;`);
  }

}
