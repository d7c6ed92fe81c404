import type { Migration } from '@mikro-orm/migrations';
import { sourceKey } from '@tandem/schema';
import { BulkSql } from '../bulk-sql.js';
import type { Em } from '../orm.js';
import { TrackedRows } from '../tracked-rows.js';
import { recordNameKey } from '../../customers/identity-resolver.js';
import { SourceRecordEntity, type SourceRecordRow } from '../../customers/source-record.entity.js';

const PAGE = 5_000;

/**
 * Fills `source_record.name_key` from each record's identity statement with the rule the ingest
 * writes it by (`recordNameKey`; it folds Unicode, which SQL cannot), a page at a time in key order,
 * inside the migration's transaction.
 */
export async function fillSourceNameKeys(migration: Migration): Promise<void> {
  const sql = new BulkSql(migration.getEntityManager() as unknown as Em);
  const spec = sql.table<SourceRecordRow>(SourceRecordEntity);
  let after: readonly [string, string] | undefined;
  for (;;) {
    const page = await sql.query<Record<string, unknown>>(
      `select * from "source_record"${after ? ' where ("party", "external_id") > (?, ?)' : ''} order by "party", "external_id" limit ?`,
      after ? [...after, PAGE] : [PAGE],
    );
    if (page.length === 0) return;
    const rows = new TrackedRows(sql, spec, (row) => sourceKey(row.party, row.externalId));
    for (const raw of page) {
      const row = rows.loaded(sql.decode(spec, raw));
      row.nameKey = recordNameKey(row.identity);
    }
    await rows.write();
    const last = sql.decode(spec, page.at(-1)!);
    after = [last.party, last.externalId];
  }
}
