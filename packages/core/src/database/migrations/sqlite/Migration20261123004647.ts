import { Migration } from '@mikro-orm/migrations';

export class Migration20261123004647 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`api_key\` add column \`acting_for\` text null;`);
  }

}
