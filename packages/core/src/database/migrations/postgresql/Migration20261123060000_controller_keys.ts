import { Migration } from '@mikro-orm/migrations';

/** Contact points and vehicle links: one row per value and controller (`coalesce(on_behalf_of, source_party)`). */
export class Migration20261123060000_controller_keys extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "contact_point" drop constraint "contact_point_customer_type_value_uq";`);
    this.addSql(`create unique index "contact_point_controller_uq" on "contact_point" ("customer_id", "type", "value", coalesce("on_behalf_of", "source_party"));`);
    this.addSql(`alter table "customer_vehicle" drop constraint "customer_vehicle_uq";`);
    this.addSql(`create unique index "customer_vehicle_controller_uq" on "customer_vehicle" ("customer_id", "vehicle_vin", "relation", coalesce("on_behalf_of", "source_party"));`);
  }

}
