import { Migration } from '@mikro-orm/migrations';

export class Migration20261123004647 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "api_key" add column "acting_for" varchar(63) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "api_key" drop column "acting_for";`);
  }

}
