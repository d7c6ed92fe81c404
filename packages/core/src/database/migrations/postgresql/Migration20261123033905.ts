import { Migration } from '@mikro-orm/migrations';

export class Migration20261123033905 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "contact_point" add column "on_behalf_of" varchar(63) null;`);

    this.addSql(`alter table "address" add column "on_behalf_of" varchar(63) null;`);

    this.addSql(`alter table "source_record" add column "on_behalf_of" varchar(63) null;`);

    this.addSql(`alter table "customer_vehicle" add column "on_behalf_of" varchar(63) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "address" drop column "on_behalf_of";`);

    this.addSql(`alter table "contact_point" drop column "on_behalf_of";`);

    this.addSql(`alter table "customer_vehicle" drop column "on_behalf_of";`);

    this.addSql(`alter table "source_record" drop column "on_behalf_of";`);
  }

}
