import { v7 as uuidv7 } from 'uuid';
import type { CountryCode } from '@tandem/schema';
import { activityRecordInput, argumentationAidInput, consentInput, customerRecordInput, parseOrThrow, taskInput, ValidationError } from '@tandem/schema';
import {
  AccessScope,
  ActivityBatch,
  ArgumentationAidEntity,
  ConsentEntity,
  DeterministicIdentityResolver,
  GoldenRecordBatch,
  grantSharing,
  SharingAgreementEntity,
  taskFacts,
  TaskEntity,
  upsertParty,
  type ConsentRow,
  type Em,
  type Orm,
  type TaskRow,
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
  /** Customers per transaction. Default 2000. */
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
  const batchSize = options.batchSize ?? 2000;
  const issues = [
    ...(Number.isSafeInteger(world.seed) ? [] : [{ path: 'seed', message: 'must be a whole number' }]),
    ...(Number.isSafeInteger(world.customers) && world.customers >= 0 ? [] : [{ path: 'customers', message: 'must be a whole number ≥ 0' }]),
    ...(Number.isNaN(world.now.getTime()) ? [{ path: 'now', message: 'must be a valid date' }] : []),
    ...(Number.isSafeInteger(batchSize) && batchSize > 0 ? [] : [{ path: 'batchSize', message: 'must be a whole number ≥ 1' }]),
  ];
  if (issues.length > 0) throw new ValidationError(issues, 'BAD_SEED_OPTIONS');

  await seedNetwork(orm, world.now);

  const totals = { customers: 0, activities: 0, tasks: 0 };
  const taskRights: TaskRights = new Map();
  options.onProgress?.({ done: 0, total: world.customers });
  let batch: DemoCustomer[] = [];
  const commit = async () => {
    await writeCustomers(orm, batch, taskRights);
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
 * One transaction for the batch, written set-based through core's batch ingest: the golden
 * record batch loads what every source record of the batch refers to in a few `in (…)` queries
 * and applies the records in order (a party's record resolves against the records of the same
 * customer applied before it), the activity batch does the same for activities, and both write
 * multi-row statements. Consents and tasks that are already stored (a reseed) are looked up in
 * one query per table and kept; the rest are inserted in one statement per table, exactly the
 * rows `recordConsent` and `recordTask` + `changeTaskStatus` create.
 *
 * No outbox rows: the demo world is each party's own data plus the agreements, as if every
 * party had sent it before the hub started projecting. A party's outbound copy of another's
 * data is a consequence of a change, and seeding changes nothing any party has not got.
 */
async function writeCustomers(orm: Orm, customers: readonly DemoCustomer[], taskRights: TaskRights): Promise<void> {
  const em = orm.em.fork() as Em;
  await em.transactional(async (txEm) => {
    const tx = txEm as Em;
    const sources = customers.flatMap((customer) =>
      customer.sources.map((source) => ({
        party: source.party,
        at: source.at,
        record: parseOrThrow(recordSchema(source.region), source.record, `${source.party}:${source.record.externalId}`),
      })),
    );
    const golden = await GoldenRecordBatch.load(tx, resolver, { records: sources });
    for (const source of sources) await golden.apply(source.party, source.record, source.at);

    const activities = customers.flatMap((customer) => customer.activities.map((activity) => ({ party: activity.party, record: parseOrThrow(activityRecordInput, activity.record) })));
    const activityBatch = await ActivityBatch.load(tx, golden, activities.map(({ party, record }) => ({ party, externalId: record.externalId })));
    for (const { party, record } of activities) {
      // The hub hears of a contact a few minutes after it ends.
      const recordedAt = new Date(record.occurredAt.getTime() + ((record.durationSeconds ?? 0) + 300) * 1000);
      await activityBatch.record(party, record, recordedAt);
    }
    await golden.write();
    await activityBatch.write();

    const customerOf = async (party: string, externalId: string): Promise<string> => {
      const id = await golden.linkedCustomer(party, externalId);
      if (!id) throw new Error(`demo world: ${party} has no record ${externalId}`);
      return id;
    };
    await writeConsents(tx, customers, customerOf);
    await writeTasks(tx, customers, customerOf, taskRights);
  });
}

type CustomerOf = (party: string, externalId: string) => Promise<string>;

/** Rows per multi-row insert and ids per `in (…)`: within SQLite's and PostgreSQL's bound-parameter limits for every table here. */
const statementRows = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += statementRows) result.push(items.slice(start, start + statementRows));
  return result;
}

async function writeConsents(tx: Em, customers: readonly DemoCustomer[], customerOf: CustomerOf): Promise<void> {
  const rows: ConsentRow[] = [];
  for (const consent of customers.flatMap((customer) => customer.consents)) {
    const record = parseOrThrow(consentInput, {
      customerExternalId: consent.customerExternalId,
      purpose: consent.purpose,
      ...(consent.channel ? { channel: consent.channel } : {}),
      granted: consent.granted,
      recordedAt: consent.recordedAt.toISOString(),
      proof: consent.proof,
    });
    rows.push({
      id: uuidv7(),
      customer: await customerOf(consent.party, record.customerExternalId),
      purpose: record.purpose,
      channel: record.channel ?? null,
      granted: record.granted,
      recordedAt: record.recordedAt,
      recordedBy: consent.party,
      proof: record.proof,
    });
  }
  // A consent statement is (customer, purpose, channel, when, by whom): a reseed finds it stored.
  const statement = (row: { customer: unknown; purpose: string; channel?: string | null; recordedAt: Date | string | number; recordedBy: string }) =>
    `${String(row.customer)}|${row.purpose}|${row.channel ?? ''}|${new Date(row.recordedAt).getTime()}|${row.recordedBy}`;
  const stored = new Set<string>();
  for (const ids of chunks([...new Set(rows.map((row) => String(row.customer)))])) {
    const found = await tx.find(ConsentEntity, { customer: { $in: ids } }, { fields: ['customer', 'purpose', 'channel', 'recordedAt', 'recordedBy'] });
    for (const row of found) stored.add(statement(row));
  }
  for (const part of chunks(rows.filter((row) => !stored.has(statement(row))))) await tx.insertMany(ConsentEntity, part);
}

/** Whether an assignee may receive a creator's tasks (checked once per pair, as `recordTask` checks every task). */
type TaskRights = Map<string, boolean>;

async function writeTasks(tx: Em, customers: readonly DemoCustomer[], customerOf: CustomerOf, rights: TaskRights): Promise<void> {
  const tasks = customers.flatMap((customer) => customer.tasks);
  const stored = new Set<string>();
  for (const ids of chunks(tasks.map((task) => task.externalId))) {
    const found = await tx.find(TaskEntity, { externalId: { $in: ids } }, { fields: ['creator', 'externalId'] });
    for (const row of found) stored.add(`${row.creator}|${row.externalId}`);
  }
  const rows: TaskRow[] = [];
  for (const task of tasks) {
    if (stored.has(`${task.creator}|${task.externalId}`)) continue;
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
    await checkTaskRight(tx, rights, task.creator, record.assignee, task.createdAt);
    rows.push({
      id: uuidv7(),
      creator: task.creator,
      externalId: record.externalId,
      ...taskFacts(record, await customerOf(task.creator, record.customerExternalId)),
      // Created open; a finished one was moved by its assignee at `updatedAt`.
      status: task.status,
      createdAt: task.createdAt,
      updatedAt: task.status === 'open' ? task.createdAt : task.updatedAt,
    });
  }
  for (const part of chunks(rows)) await tx.insertMany(TaskEntity, part);
}

async function checkTaskRight(tx: Em, rights: TaskRights, creator: string, assignee: string, at: Date): Promise<void> {
  const pair = `${creator}>${assignee}`;
  let allowed = rights.get(pair);
  if (allowed === undefined) {
    allowed = (await AccessScope.load(tx, { party: assignee }, at)).canSee(creator, 'tasks');
    rights.set(pair, allowed);
  }
  if (!allowed) throw new Error(`demo world: ${assignee} holds no agreement from ${creator} that shares tasks`);
}
