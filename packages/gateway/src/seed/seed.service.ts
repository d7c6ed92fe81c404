import { v7 as uuidv7 } from 'uuid';
import type { CountryCode } from '@tandem/schema';
import { activityRecordInput, argumentationAidInput, consentInput, customerRecordInput, parseOrThrow, taskInput, ValidationError } from '@tandem/schema';
import {
  ActivityEntity,
  applyCustomerRecord,
  ArgumentationAidEntity,
  activityFacts,
  changeTaskStatus,
  ConsentEntity,
  DeterministicIdentityResolver,
  grantSharing,
  recordActivity,
  recordConsent,
  recordTask,
  SharingAgreementEntity,
  upsertParty,
  type Em,
  type LinkOutcome,
  type Orm,
} from '@tandem/core';
import { defaultDemoNow, defaultDemoSeed, generateDemoCustomers, type DemoCustomer, type DemoWorldOptions } from './customer-generator.js';
import { demoAgreements, demoArgumentationAids, demoPartyProfiles } from './demo-world.js';

export interface SeedProgress {
  readonly done: number;
  readonly total: number;
}

export interface SeedOptions {
  /** PRNG seed; the same seed and customer count give the same world. Default 20261101. */
  readonly seed?: number;
  /** Number of customers, at least 0. Default 1200. */
  readonly customers?: number;
  /** The world's "today": all history lies in the three years before it. Default 2026-11-01T00:00:00Z. */
  readonly now?: Date;
  /** Called after each committed batch, and once with `done: 0` before the first. */
  readonly onProgress?: (progress: SeedProgress) => void;
  /** Customers per transaction. Default 500. */
  readonly batchSize?: number;
}

/** What the world holds (counted from the generator, so a reseed reports the same numbers). */
export interface SeedSummary {
  readonly parties: number;
  readonly customers: number;
  readonly activities: number;
  readonly tasks: number;
}

export const defaultDemoCustomers = 1200;

const resolver = new DeterministicIdentityResolver();
const recordSchemas = new Map<CountryCode, ReturnType<typeof customerRecordInput>>();

function recordSchema(region: CountryCode): ReturnType<typeof customerRecordInput> {
  let schema = recordSchemas.get(region);
  if (!schema) {
    schema = customerRecordInput(region);
    recordSchemas.set(region, schema);
  }
  return schema;
}

/**
 * Seeds the deterministic demo world: the parties of the network, their sharing agreements,
 * argumentation aids, then `customers` customers with their records at every party, activity
 * history, tasks and consents. Customers are generated lazily and written `batchSize` per
 * transaction, so memory stays flat for a million. Idempotent: seeding again upserts by
 * external id and adds nothing.
 */
export async function seedDemoWorld(orm: Orm, options: SeedOptions = {}): Promise<SeedSummary> {
  const world: DemoWorldOptions = {
    seed: options.seed ?? defaultDemoSeed,
    customers: options.customers ?? defaultDemoCustomers,
    now: options.now ?? defaultDemoNow,
  };
  const batchSize = options.batchSize ?? 500;
  const issues = [
    ...(Number.isSafeInteger(world.seed) ? [] : [{ path: 'seed', message: 'must be a whole number' }]),
    ...(Number.isSafeInteger(world.customers) && world.customers >= 0 ? [] : [{ path: 'customers', message: 'must be a whole number ≥ 0' }]),
    ...(Number.isNaN(world.now.getTime()) ? [{ path: 'now', message: 'must be a valid date' }] : []),
    ...(Number.isSafeInteger(batchSize) && batchSize > 0 ? [] : [{ path: 'batchSize', message: 'must be a whole number ≥ 1' }]),
  ];
  if (issues.length > 0) throw new ValidationError(issues, 'BAD_SEED_OPTIONS');

  await seedNetwork(orm, world.now);

  const totals = { customers: 0, activities: 0, tasks: 0 };
  options.onProgress?.({ done: 0, total: world.customers });
  let batch: DemoCustomer[] = [];
  const commit = async () => {
    await writeCustomers(orm, batch);
    for (const customer of batch) {
      totals.customers += 1;
      totals.activities += customer.activities.length;
      totals.tasks += customer.tasks.length;
    }
    batch = [];
    options.onProgress?.({ done: totals.customers, total: world.customers });
  };
  for (const customer of generateDemoCustomers(world)) {
    batch.push(customer);
    if (batch.length >= batchSize) await commit();
  }
  if (batch.length > 0) await commit();
  return { parties: demoPartyProfiles.length, ...totals };
}

/** Parties, agreements and argumentation aids, in one transaction. */
async function seedNetwork(orm: Orm, now: Date): Promise<void> {
  const em = orm.em.fork() as Em;
  await em.transactional(async (txEm) => {
    const tx = txEm as Em;
    for (const profile of demoPartyProfiles) await upsertParty(tx, profile);

    // In force from well before the oldest history (three years back), so it covers all of it.
    const validFrom = new Date(Date.UTC(now.getUTCFullYear() - 4, 0, 1)).toISOString();
    // Any agreement between the same parties for the same purpose counts, revoked ones too:
    // a reseed must not undo a revocation.
    const existing = await tx.find(SharingAgreementEntity, {}, { fields: ['grantor', 'grantee', 'purpose'] });
    const present = new Set(existing.map((row) => `${row.grantor}>${row.grantee}:${row.purpose}`));
    for (const agreement of demoAgreements) {
      if (present.has(`${agreement.grantor}>${agreement.grantee}:${agreement.purpose}`)) continue;
      await grantSharing(tx, { ...agreement, validFrom });
    }

    const aids = await tx.find(ArgumentationAidEntity, {}, { fields: ['brand', 'language', 'title'] });
    const known = new Set(aids.map((aid) => `${aid.brand}|${aid.language}|${aid.title}`));
    for (const input of demoArgumentationAids) {
      const aid = parseOrThrow(argumentationAidInput, input);
      if (known.has(`${aid.brand}|${aid.language}|${aid.title}`)) continue;
      tx.create(ArgumentationAidEntity, { id: uuidv7(), ...aid, createdAt: now });
    }
  });
}

/**
 * One transaction for the batch. The identity map is flushed and cleared after each customer:
 * it stays small, so each flush costs the same at customer 1 and customer 500.
 *
 * Customer records always go through identity resolution (`applyCustomerRecord`) and tasks
 * through `recordTask` (which checks the assignee may see them). Activities and consents of a
 * customer that is new in this run cannot exist yet — none of its parties had a record of it,
 * and both hang off those records — so they are inserted in one statement per table instead of
 * a lookup per row: the rows are exactly what `recordActivity` and `recordConsent` create.
 * A customer some party already knew (a reseed) takes the services' idempotent path.
 */
async function writeCustomers(orm: Orm, customers: readonly DemoCustomer[]): Promise<void> {
  const em = orm.em.fork() as Em;
  await em.transactional(async (txEm) => {
    const tx = txEm as Em;
    for (const customer of customers) {
      const golden = new Map<string, string>();
      const outcomes: LinkOutcome[] = [];
      for (const source of customer.sources) {
        const record = parseOrThrow(recordSchema(source.region), source.record, `${source.party}:${source.record.externalId}`);
        const change = await applyCustomerRecord(tx, resolver, source.party, record, source.at);
        golden.set(sourceKey(source.party, record.externalId), change.customerId);
        outcomes.push(change.outcome);
        // The next party's record is resolved against this one: it must be visible to queries.
        await tx.flush();
      }
      const fresh = outcomes[0] === 'created' && !outcomes.includes('linked');
      const customerOf = (party: string, externalId: string): string => {
        const id = golden.get(sourceKey(party, externalId));
        if (!id) throw new Error(`demo world: ${party} has no record ${externalId} of customer ${customer.index}`);
        return id;
      };

      for (const activity of customer.activities) {
        const record = parseOrThrow(activityRecordInput, activity.record);
        // The hub hears of a contact a few minutes after it ends.
        const recordedAt = new Date(record.occurredAt.getTime() + ((record.durationSeconds ?? 0) + 300) * 1000);
        if (!fresh) {
          await recordActivity(tx, activity.party, record, recordedAt);
          continue;
        }
        tx.create(ActivityEntity, {
          id: uuidv7(),
          party: activity.party,
          externalId: record.externalId,
          ...activityFacts(record, customerOf(activity.party, record.customerExternalId)),
          recordedAt,
        });
      }

      for (const consent of customer.consents) {
        const record = parseOrThrow(consentInput, {
          customerExternalId: consent.customerExternalId,
          purpose: consent.purpose,
          ...(consent.channel ? { channel: consent.channel } : {}),
          granted: consent.granted,
          recordedAt: consent.recordedAt.toISOString(),
          proof: consent.proof,
        });
        if (!fresh) {
          await recordConsent(tx, consent.party, record);
          continue;
        }
        tx.create(ConsentEntity, {
          id: uuidv7(),
          customer: customerOf(consent.party, record.customerExternalId),
          purpose: record.purpose,
          channel: record.channel ?? null,
          granted: record.granted,
          recordedAt: record.recordedAt,
          recordedBy: consent.party,
          proof: record.proof,
        });
      }

      for (const task of customer.tasks) {
        const record = parseOrThrow(taskInput, {
          externalId: task.externalId,
          customerExternalId: task.customerExternalId,
          assignee: task.assignee,
          kind: task.kind,
          title: task.title,
          description: task.description,
          dueAt: task.dueAt.toISOString(),
          ...(task.onBehalfOf ? { onBehalfOf: task.onBehalfOf } : {}),
        });
        const { task: row, created } = await recordTask(tx, task.creator, record, task.createdAt);
        if (created && task.status !== 'open') await changeTaskStatus(tx, task.assignee, row.id, task.status, task.updatedAt);
      }

      await tx.flush();
      tx.clear();
    }
  });
}

const sourceKey = (party: string, externalId: string) => `${party}\u0000${externalId}`;
