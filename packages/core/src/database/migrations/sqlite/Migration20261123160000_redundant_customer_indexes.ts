import { Migration } from '@mikro-orm/migrations';

/**
 * The single-column `customer_id` indexes SQLite's schema generator added for the foreign keys of
 * these tables: each is the leading column of a composite index of the same table (the controller
 * keys, the timeline and consent indexes), which serves every lookup by customer and the cascade
 * on delete. Each one cost a b-tree insert per row the ingest and the import write. (PostgreSQL
 * never had them.)
 */
const redundant = [
  { table: 'activity', index: 'activity_customer_id_index' },
  { table: 'consent', index: 'consent_customer_id_index' },
  { table: 'contact_point', index: 'contact_point_customer_id_index' },
  { table: 'customer_vehicle', index: 'customer_vehicle_customer_id_index' },
];

export class Migration20261123160000_redundant_customer_indexes extends Migration {
  override async up(): Promise<void> {
    for (const { index } of redundant) this.addSql(`drop index if exists \`${index}\`;`);
  }

  override async down(): Promise<void> {
    for (const { table, index } of redundant) this.addSql(`create index if not exists \`${index}\` on \`${table}\` (\`customer_id\`);`);
  }
}
