import { Migration } from '@mikro-orm/migrations';

const referenceTables = ['party', 'sharing_agreement', 'argumentation_aid'];

/**
 * A token that every write to the reference tables (parties, sharing agreements, argumentation
 * aids) replaces, by a statement trigger, so no write path can forget it: readers that cache those
 * tables compare one value per request (reference-data.ts). Random rather than a counter, so a
 * rolled-back change cannot hand a later one the token of data that never committed.
 */
export class Migration20261123110000_reference_version extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "reference_version" ("id" smallint not null check ("id" = 1), "token" uuid not null, constraint "reference_version_pkey" primary key ("id"));`);
    this.addSql(`insert into "reference_version" ("id", "token") values (1, gen_random_uuid());`);
    this.addSql(`create function "reference_changed"() returns trigger language plpgsql as $$ begin update "reference_version" set "token" = gen_random_uuid(); return null; end $$;`);
    for (const table of referenceTables) {
      this.addSql(`create trigger "${table}_changes_reference" after insert or update or delete or truncate on "${table}" for each statement execute function "reference_changed"();`);
    }
  }

  override async down(): Promise<void> {
    for (const table of referenceTables) this.addSql(`drop trigger if exists "${table}_changes_reference" on "${table}";`);
    this.addSql(`drop function if exists "reference_changed"();`);
    this.addSql(`drop table if exists "reference_version";`);
  }
}
