import { Migration } from '@mikro-orm/migrations';

export class Migration20261123033905 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`contact_point\` add column \`on_behalf_of\` text null;`);
    this.addSql(`alter table \`address\` add column \`on_behalf_of\` text null;`);
    this.addSql(`alter table \`source_record\` add column \`on_behalf_of\` text null;`);
    this.addSql(`alter table \`customer_vehicle\` add column \`on_behalf_of\` text null;`);
  }

}
