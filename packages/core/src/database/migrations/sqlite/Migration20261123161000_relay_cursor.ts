import { Migration } from '@mikro-orm/migrations';

/**
 * The relay's progress becomes one position (`relay_cursor`) instead of `published_at` on every
 * outbox row: marking a batch wrote each of its rows again (payload and all) and moved each one in
 * `outbox_unpublished_idx`. The relay marked in position order, so the newest published row is
 * where it got to; a database that never relayed gets no row and starts from the beginning.
 */
export class Migration20261123161000_relay_cursor extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`relay_cursor\` (\`relay\` text not null primary key, \`position\` bigint not null, \`updated_at\` datetime not null);`);
    this.addSql(
      `insert into \`relay_cursor\` (\`relay\`, \`position\`, \`updated_at\`) select 'kafka', max(\`position\`), max(\`published_at\`) from \`outbox\` where \`published_at\` is not null having count(*) > 0;`,
    );
    this.addSql(`drop index if exists \`outbox_unpublished_idx\`;`);
    this.addSql(`alter table \`outbox\` drop column \`published_at\`;`);
  }
}
