import { Migration } from '@mikro-orm/migrations';
import { fillSourceNameKeys } from '../source-name-keys.js';

/**
 * Name search reads each source record's own name key; the golden record's is no longer searched.
 * Collation "C": bytewise comparison, as on SQLite, so a name prefix is a range of the index.
 */
export class Migration20261123064000_source_name_keys extends Migration {

  override async up(): Promise<void> {
    await this.execute(`alter table "source_record" add column "name_key" varchar(200) collate "C" not null default '';`);
    await fillSourceNameKeys(this);
    await this.execute(`create index "source_record_name_key_idx" on "source_record" ("name_key");`);
    await this.execute(`drop index "customer_name_key_idx";`);
  }

}
