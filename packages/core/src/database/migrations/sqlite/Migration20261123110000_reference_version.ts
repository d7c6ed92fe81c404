import { Migration } from '@mikro-orm/migrations';

const referenceTables = ['party', 'sharing_agreement', 'argumentation_aid'];

const newToken = 'lower(hex(randomblob(16)))';

/**
 * A token that every write to the reference tables (parties, sharing agreements, argumentation
 * aids) replaces, by trigger, so no write path can forget it: readers that cache those tables
 * compare one value per request (reference-data.ts). Random rather than a counter, so a rolled-back
 * change cannot hand a later one the token of data that never committed.
 */
export class Migration20261123110000_reference_version extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table \`reference_version\` (\`id\` integer not null primary key check (\`id\` = 1), \`token\` text not null);`);
    this.addSql(`insert into \`reference_version\` (\`id\`, \`token\`) values (1, ${newToken});`);
    for (const table of referenceTables) {
      for (const event of ['insert', 'update', 'delete']) {
        this.addSql(`create trigger \`${table}_${event}_changes_reference\` after ${event} on \`${table}\` begin update \`reference_version\` set \`token\` = ${newToken}; end;`);
      }
    }
  }
}
