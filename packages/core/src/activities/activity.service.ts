import { v7 as uuidv7 } from 'uuid';
import type { ActivityRecord, PartyId } from '@tandem/schema';
import { sourceKey, TandemError } from '@tandem/schema';
import { BulkSql, quote } from '../database/bulk-sql.js';
import type { Em } from '../database/orm.js';
import { TrackedRows } from '../database/tracked-rows.js';
import { GoldenRecordBatch, type SourceRef } from '../customers/golden-record.service.js';
import { ActivityEntity, type ActivityRow } from './activity.entity.js';

/**
 * A batch's activities, kept in memory and written back set-based (see `GoldenRecordBatch`):
 * `load` fetches the stored activities of the declared (party, external id) keys in one query per
 * party, `record` applies one activity in order, `write` inserts and updates them. The customer
 * of each activity comes from the batch's golden record, so an activity sees the contact that an
 * earlier event of the same batch created.
 */
export class ActivityBatch {
  readonly #sql: BulkSql;
  readonly #rows: TrackedRows<ActivityRow>;
  readonly #byExternalId = new Map<string, ActivityRow>();
  readonly #fetched = new Set<string>();

  private constructor(
    em: Em,
    private readonly golden: GoldenRecordBatch,
  ) {
    this.#sql = new BulkSql(em);
    this.#rows = new TrackedRows(this.#sql, this.#sql.table<ActivityRow>(ActivityEntity), (row) => row.id);
  }

  /** A batch over `golden`'s transaction with the stored activities of `keys` loaded (call after `GoldenRecordBatch.load`, which flushed). */
  static async load(em: Em, golden: GoldenRecordBatch, keys: readonly SourceRef[] = []): Promise<ActivityBatch> {
    const batch = new ActivityBatch(em, golden);
    await batch.#fetch(keys);
    return batch;
  }

  /**
   * Stores a party's activity on the golden customer its record is linked to. Idempotent:
   * the same (party, externalId) updates the stored activity (a correction), never duplicates it.
   */
  async record(party: PartyId, record: ActivityRecord, at: Date): Promise<ActivityRow> {
    const customerId = await this.golden.linkedCustomer(party, record.customerExternalId, record.onBehalfOf);
    if (!customerId) {
      throw new TandemError(
        'NOT_FOUND',
        'UNKNOWN_CUSTOMER',
        `customerExternalId: ${party} has no customer ${JSON.stringify(record.customerExternalId)}; send contact.upserted first`,
        { issues: [{ path: 'customerExternalId', message: `${party} has no customer with this id` }] },
      );
    }
    const facts = activityFacts(record, customerId);
    const key = sourceKey(party, record.externalId);
    if (!this.#fetched.has(key)) await this.#fetch([{ party, externalId: record.externalId }]);
    const existing = this.#byExternalId.get(key);
    if (existing) return Object.assign(existing, facts);
    const created = this.#rows.created({ id: uuidv7(), party, externalId: record.externalId, ...facts, recordedAt: at });
    this.#byExternalId.set(key, created);
    return created;
  }

  /** Stores the batch's activities; call after the golden record's `write` (they reference its customers). */
  async write(): Promise<void> {
    await this.#rows.write();
  }

  async #fetch(keys: readonly SourceRef[]): Promise<void> {
    const byParty = new Map<PartyId, string[]>();
    for (const { party, externalId } of keys) {
      const key = sourceKey(party, externalId);
      if (this.#fetched.has(key)) continue;
      this.#fetched.add(key);
      byParty.set(party, [...(byParty.get(party) ?? []), externalId]);
    }
    const spec = this.#rows.spec;
    for (const [party, externalIds] of byParty) {
      const rows = await this.#sql.selectIn<Record<string, unknown>>(
        externalIds,
        (list) => `select * from ${quote(spec.table)} where "party" = ? and "external_id" in (${list})`,
        [party],
      );
      for (const raw of rows) {
        const row = this.#rows.loaded(this.#sql.decode(spec, raw));
        this.#byExternalId.set(sourceKey(row.party, row.externalId), row);
      }
    }
  }
}

/** Records several activities of one party in order with one batch (the seed and tests use it; the ingest drives an `ActivityBatch` itself). */
export async function recordActivitiesBatch(em: Em, party: PartyId, records: readonly ActivityRecord[], at: Date): Promise<ActivityRow[]> {
  if (!em.isInTransaction()) return em.transactional((tx) => recordActivitiesBatch(tx as Em, party, records, at));
  const golden = await GoldenRecordBatch.load(em, undefined, { sources: records.map((record) => ({ party, externalId: record.customerExternalId })) });
  const activities = await ActivityBatch.load(em, golden, records.map((record) => ({ party, externalId: record.externalId })));
  const rows: ActivityRow[] = [];
  for (const record of records) rows.push(await activities.record(party, record, at));
  await golden.write();
  await activities.write();
  return rows;
}

/**
 * Stores a party's activity on the golden customer its record is linked to. Idempotent:
 * the same (party, externalId) updates the stored activity (a correction), never duplicates it.
 * A batch of one; the row is written when it returns.
 */
export async function recordActivity(em: Em, party: PartyId, record: ActivityRecord, at: Date): Promise<ActivityRow> {
  const [row] = await recordActivitiesBatch(em, party, [record], at);
  return row!;
}

/** The stored facts of an activity record on its golden customer (absent optional fields become null). */
export function activityFacts(record: ActivityRecord, customerId: string) {
  return {
    customer: customerId,
    channel: record.channel,
    direction: record.direction,
    occurredAt: record.occurredAt,
    durationSeconds: record.durationSeconds ?? null,
    subject: record.subject ?? null,
    outcome: record.outcome ?? null,
    content: record.content ?? null,
    actor: record.actor ?? null,
    onBehalfOf: record.onBehalfOf ?? null,
    brand: record.brand ?? null,
  };
}
