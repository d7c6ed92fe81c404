import { Migration } from '@mikro-orm/migrations';

export class Migration20261122230439 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`api_key\` (\`id\` text not null, \`party\` text not null, \`prefix\` text not null, \`key_hash\` text not null, \`scopes\` json not null, \`label\` text null, \`created_at\` datetime not null, \`revoked_at\` datetime null, primary key (\`id\`));`);
    this.addSql(`create index \`api_key_party_idx\` on \`api_key\` (\`party\`);`);
    this.addSql(`create unique index \`api_key_prefix_unique\` on \`api_key\` (\`prefix\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`api_key\`;`);
  }

}
