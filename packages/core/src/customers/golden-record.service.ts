import { v7 as uuidv7 } from 'uuid';
import type { CustomerRecord, PartyId, PostalAddress, Provenance } from '@tandem/schema';
import { NotFoundError, sourceKey, TandemError } from '@tandem/schema';
import { BulkSql, quote } from '../database/bulk-sql.js';
import type { Em } from '../database/orm.js';
import { TrackedRows } from '../database/tracked-rows.js';
import { controllerOfValue } from '../sharing/access-scope.js';
import { CustomerEntity, type CustomerRow } from './customer.entity.js';
import { AddressEntity, ContactPointEntity, type AddressRow, type ContactPointRow } from './contact-point.entity.js';
import { CustomerVehicleEntity, VehicleEntity, type CustomerVehicleRow, type VehicleRow } from './vehicle.entity.js';
import { SourceRecordEntity, type SourceIdentity, type SourceRecordRow } from './source-record.entity.js';
import { addressKey, newestFirst, oldestLinkFirst, type CustomerViewData } from './customer-view.service.js';
import { recordNameKey, type IdentityCandidates, type IdentityResolver, type MatchRule } from './identity-resolver.js';

/** How a source record reached its golden customer. */
export type LinkOutcome = 'linked' | MatchRule | 'created';

export interface GoldenRecordChange {
  readonly customerId: string;
  readonly outcome: LinkOutcome;
}

/** A party's own record key. */
export interface SourceRef {
  readonly party: PartyId;
  readonly externalId: string;
}

/** What a batch will touch, loaded up front with a few `in (…)` queries; anything not declared is loaded when first needed. */
export interface GoldenRecordBatchKeys {
  /** Records the batch will apply (their source keys, contact points and VINs). */
  readonly records?: readonly { readonly party: PartyId; readonly record: CustomerRecord }[];
  /** Further source records the batch will look up (activities' customers, unlinks). */
  readonly sources?: readonly SourceRef[];
}

/** Who supplied a contact point, address or vehicle link: the sending party and the client it acted for. */
type ValueSource = Pick<ContactPointRow, 'sourceParty' | 'onBehalfOf'>;

const identityFields = ['kind', 'givenName', 'familyName', 'companyName', 'preferredLanguage'] as const;
type ContactType = ContactPointRow['type'];

/**
 * The golden record for a batch of statements, kept in memory and written back set-based.
 *
 * `load` fetches what the batch's records refer to (source records by party and external id,
 * contact points by value, customer–vehicle links and vehicles by VIN, the customers behind
 * them) in a handful of `in (…)` queries; `apply` then runs the merge rules record by record in
 * the order given, so a later record sees everything an earlier one did (a customer created by
 * the 3rd record is matched by the 9th); `write` stores the result with multi-row inserts and
 * updates on the transaction's connection. This is the only implementation of the merge rules:
 * `applyCustomerRecord` is a batch of one. It bypasses MikroORM's unit of work on purpose —
 * change-set computation and per-entity statements cost more than the merge itself at ingest rates.
 *
 * Call it inside a transaction; `load` flushes the EntityManager first so its reads see pending
 * changes, and `write` refreshes any entity of these tables that the EntityManager holds.
 */
export class GoldenRecordBatch {
  readonly #sql: BulkSql;
  readonly #resolver: IdentityResolver | undefined;
  readonly #customers: TrackedRows<CustomerRow>;
  readonly #sources: TrackedRows<SourceRecordRow>;
  readonly #points: TrackedRows<ContactPointRow>;
  readonly #addresses: TrackedRows<AddressRow>;
  readonly #vehicles: TrackedRows<VehicleRow>;
  readonly #vehicleLinks: TrackedRows<CustomerVehicleRow>;
  /** Keys already asked of the database (found or not). */
  readonly #fetched = {
    customers: new Set<string>(),
    sources: new Set<string>(),
    points: { phone: new Set<string>(), email: new Set<string>() } satisfies Record<ContactType, Set<string>>,
    vins: new Set<string>(),
    addresses: new Set<string>(),
  };
  readonly #pointsByValue: Record<ContactType, Map<string, ContactPointRow[]>> = { phone: new Map(), email: new Map() };
  readonly #linksByVin = new Map<string, CustomerVehicleRow[]>();
  readonly #addressesByCustomer = new Map<string, AddressRow[]>();
  /** Address merges wait for `write`: they only need the customer's addresses, which are loaded then in one query. */
  #pendingAddresses: { readonly customerId: string; readonly source: ValueSource; readonly addresses: readonly PostalAddress[]; readonly at: Date }[] = [];
  readonly #candidates: IdentityCandidates;
  readonly #created = new Set<string>();

  private constructor(em: Em, resolver: IdentityResolver | undefined) {
    this.#sql = new BulkSql(em);
    this.#resolver = resolver;
    const sql = this.#sql;
    this.#customers = new TrackedRows(sql, sql.table<CustomerRow>(CustomerEntity), (row) => row.id);
    this.#sources = new TrackedRows(sql, sql.table<SourceRecordRow>(SourceRecordEntity), (row) => sourceKey(row.party, row.externalId));
    this.#points = new TrackedRows(sql, sql.table<ContactPointRow>(ContactPointEntity), (row) => row.id);
    this.#addresses = new TrackedRows(sql, sql.table<AddressRow>(AddressEntity), (row) => row.id);
    this.#vehicles = new TrackedRows(sql, sql.table<VehicleRow>(VehicleEntity), (row) => row.vin);
    this.#vehicleLinks = new TrackedRows(sql, sql.table<CustomerVehicleRow>(CustomerVehicleEntity), (row) => row.id);
    this.#candidates = {
      customer: (id) => this.#customers.get(id),
      vehicleLinks: (vin) => this.#linksByVin.get(vin) ?? [],
      contactPoints: (type, value) => this.#pointsByValue[type].get(value) ?? [],
    };
  }

  /**
   * A batch over `em`'s transaction with everything `keys` names already loaded. Without a
   * resolver it only looks up, unlinks and merges records already linked to their customer.
   */
  static async load(em: Em, resolver: IdentityResolver | undefined, keys: GoldenRecordBatchKeys = {}): Promise<GoldenRecordBatch> {
    // The reads below bypass the unit of work: pending changes must be in the database first.
    await em.flush();
    const batch = new GoldenRecordBatch(em, resolver);
    await batch.#prefetch(keys);
    return batch;
  }

  /**
   * Applies one party's view of a customer: link by (party, external id), else resolve, else
   * create; then merge field by field. A field keeps the value of the newest statement (`at`),
   * and its provenance names the party that made it. Values an interaction center captured on
   * behalf of a client (`record.onBehalfOf`) are stored as that client's data.
   */
  async apply(party: PartyId, record: CustomerRecord, at: Date): Promise<GoldenRecordChange> {
    const key = sourceKey(party, record.externalId);
    if (!this.#isLoaded(key, record)) await this.#prefetch({ records: [{ party, record }] });
    const link = this.#sources.get(key);
    if (link && !heldFor(link, record.onBehalfOf)) throw heldForAnotherClient(party, record.externalId);
    let outcome: LinkOutcome = 'linked';
    let customer = link ? (this.#customers.get(link.customer) ?? (await this.#customer(link.customer))) : undefined;
    if (!customer) {
      if (!this.#resolver) throw new TypeError('this golden record batch was loaded without an identity resolver');
      const resolved = this.#resolver.resolve(record, this.#candidates);
      const match = resolved instanceof Promise ? await resolved : resolved;
      customer = match ? (this.#customers.get(match.customerId) ?? (await this.#customer(match.customerId))) : undefined;
      outcome = match?.rule ?? 'created';
    }
    const nameKey = recordNameKey(record);
    customer ??= this.#createCustomer(record, nameKey, at);
    const atText = at.toISOString();
    const identity = sourceIdentity(record, atText);
    const onBehalfOf = record.onBehalfOf ?? null;
    if (link) {
      link.deletedAt = null;
      if (Date.parse(link.identity.at) <= at.getTime()) {
        link.identity = identity;
        link.nameKey = nameKey;
      }
    } else {
      this.#sources.created({ party, externalId: record.externalId, customer: customer.id, linkedAt: at, identity, nameKey, onBehalfOf, deletedAt: null });
    }
    const source: ValueSource = { sourceParty: party, onBehalfOf };
    mergeIdentity(customer, party, record, at, atText);
    this.#mergeContactPoints(customer, source, record, at);
    if (record.addresses.length > 0) this.#pendingAddresses.push({ customerId: customer.id, source, addresses: record.addresses, at });
    this.#mergeVehicles(customer, source, record, at);
    customer.updatedAt = at > customer.updatedAt ? at : customer.updatedAt;
    return { customerId: customer.id, outcome };
  }

  /**
   * The party no longer claims the customer; the golden record and others' links stay. An
   * interaction center unlinks only a record it holds for the client it names (`onBehalfOf`).
   */
  async unlink(party: PartyId, externalId: string, at: Date, onBehalfOf?: PartyId): Promise<string> {
    await this.#prefetch({ sources: [{ party, externalId }] });
    const link = this.#sources.get(sourceKey(party, externalId));
    if (!link || !heldFor(link, onBehalfOf)) throw new NotFoundError('Source record', `${party}:${externalId}`);
    link.deletedAt = at;
    return link.customer;
  }

  /**
   * The golden customer `party`'s record `externalId` is linked to (not unlinked), as of the batch
   * so far. An interaction center acting for a client (`onBehalfOf`) finds only the records it
   * holds for that client.
   */
  async linkedCustomer(party: PartyId, externalId: string, onBehalfOf?: PartyId): Promise<string | undefined> {
    const key = sourceKey(party, externalId);
    if (!this.#fetched.sources.has(key)) await this.#prefetch({ sources: [{ party, externalId }] });
    const link = this.#sources.get(key);
    return link && !link.deletedAt && answersFor(link, onBehalfOf) ? link.customer : undefined;
  }

  /** Stores everything the batch changed, parents before children (foreign keys are checked per statement). */
  async write(): Promise<void> {
    await this.#applyPendingAddresses();
    await this.#vehicles.write();
    await this.#customers.write();
    await this.#sources.write();
    await this.#points.write();
    await this.#addresses.write();
    await this.#vehicleLinks.write();
  }

  /**
   * The stored state of every customer this batch created, complete in memory after `write`
   * (all its rows were made by the batch), so the views of new customers need no read-back.
   * Ordered as `loadCustomerViewData` orders what it reads.
   */
  createdCustomers(): Map<string, CustomerViewData> {
    const created = new Map<string, { customer: CustomerRow; points: ContactPointRow[]; addresses: AddressRow[]; vehicleLinks: CustomerVehicleRow[]; sources: SourceRecordRow[] }>();
    for (const id of this.#created) {
      const customer = this.#customers.get(id);
      if (customer) created.set(id, { customer, points: [], addresses: [], vehicleLinks: [], sources: [] });
    }
    for (const point of this.#points.values()) created.get(point.customer)?.points.push(point);
    for (const address of this.#addresses.values()) created.get(address.customer)?.addresses.push(address);
    for (const link of this.#vehicleLinks.values()) created.get(link.customer)?.vehicleLinks.push(link);
    for (const source of this.#sources.values()) if (!source.deletedAt) created.get(source.customer)?.sources.push(source);
    const result = new Map<string, CustomerViewData>();
    for (const [id, rows] of created) {
      const vehicles = new Map<string, VehicleRow>();
      for (const link of rows.vehicleLinks) {
        const vehicle = this.#vehicles.get(link.vehicle);
        if (vehicle) vehicles.set(vehicle.vin, vehicle);
      }
      result.set(id, {
        customer: rows.customer,
        points: rows.points.sort(newestFirst),
        addresses: rows.addresses.sort(newestFirst),
        vehicleLinks: rows.vehicleLinks.sort(newestFirst),
        vehicles,
        sources: rows.sources.sort(oldestLinkFirst),
      });
    }
    return result;
  }

  async #prefetch(keys: GoldenRecordBatchKeys): Promise<void> {
    const records = keys.records ?? [];
    // Customers behind every row loaded now; rows loaded earlier had theirs loaded with them.
    const loaded = [
      ...(await this.#fetchSources([...records.map(({ party, record }) => ({ party, externalId: record.externalId })), ...(keys.sources ?? [])])),
      ...(await this.#fetchPoints('phone', records.flatMap(({ record }) => record.phones.map((phone) => phone.value)))),
      ...(await this.#fetchPoints('email', records.flatMap(({ record }) => record.emails.map((email) => email.value)))),
      ...(await this.#fetchVins(records.flatMap(({ record }) => record.vehicles.map((vehicle) => vehicle.vin)))),
    ];
    await this.#fetchCustomers([...new Set(loaded.map((row) => row.customer))]);
  }

  /** Whether everything `apply` looks up for this record was loaded (by `load`, or an earlier record). */
  #isLoaded(key: string, record: CustomerRecord): boolean {
    if (!this.#fetched.sources.has(key)) return false;
    for (const phone of record.phones) if (!this.#fetched.points.phone.has(phone.value)) return false;
    for (const email of record.emails) if (!this.#fetched.points.email.has(email.value)) return false;
    for (const vehicle of record.vehicles) if (!this.#fetched.vins.has(vehicle.vin)) return false;
    return true;
  }

  async #fetchSources(refs: readonly SourceRef[]): Promise<SourceRecordRow[]> {
    const byParty = new Map<PartyId, string[]>();
    for (const ref of refs) {
      const key = sourceKey(ref.party, ref.externalId);
      if (this.#fetched.sources.has(key)) continue;
      this.#fetched.sources.add(key);
      byParty.set(ref.party, [...(byParty.get(ref.party) ?? []), ref.externalId]);
    }
    const spec = this.#sources.spec;
    const loaded: SourceRecordRow[] = [];
    for (const [party, externalIds] of byParty) {
      const rows = await this.#sql.selectIn<Record<string, unknown>>(
        externalIds,
        (list) => `select * from ${quote(spec.table)} where "party" = ? and "external_id" in (${list})`,
        [party],
      );
      for (const row of rows) loaded.push(this.#sources.loaded(this.#sql.decode(spec, row)));
    }
    return loaded;
  }

  async #fetchPoints(type: 'phone' | 'email', values: readonly string[]): Promise<ContactPointRow[]> {
    const fetched = this.#fetched.points[type];
    const missing = [...new Set(values.filter((value) => !fetched.has(value)))];
    if (missing.length === 0) return [];
    for (const value of missing) fetched.add(value);
    const spec = this.#points.spec;
    const rows = await this.#sql.selectIn<Record<string, unknown>>(missing, (list) => `select * from ${quote(spec.table)} where "type" = ? and "value" in (${list})`, [type]);
    return rows.map((row) => {
      const point = this.#points.loaded(this.#sql.decode(spec, row));
      this.#indexPoint(point);
      return point;
    });
  }

  async #fetchVins(vins: readonly string[]): Promise<CustomerVehicleRow[]> {
    const missing = [...new Set(vins.filter((vin) => !this.#fetched.vins.has(vin)))];
    if (missing.length === 0) return [];
    for (const vin of missing) this.#fetched.vins.add(vin);
    const vehicles = this.#vehicles.spec;
    for (const row of await this.#sql.selectIn<Record<string, unknown>>(missing, (list) => `select * from ${quote(vehicles.table)} where "vin" in (${list})`)) {
      this.#vehicles.loaded(this.#sql.decode(vehicles, row));
    }
    const links = this.#vehicleLinks.spec;
    const rows = await this.#sql.selectIn<Record<string, unknown>>(missing, (list) => `select * from ${quote(links.table)} where "vehicle_vin" in (${list})`);
    return rows.map((row) => {
      const link = this.#vehicleLinks.loaded(this.#sql.decode(links, row));
      this.#indexVehicleLink(link);
      return link;
    });
  }

  async #fetchCustomers(ids: readonly string[]): Promise<void> {
    const missing = ids.filter((id) => !this.#fetched.customers.has(id));
    if (missing.length === 0) return;
    for (const id of missing) this.#fetched.customers.add(id);
    const spec = this.#customers.spec;
    // PostgreSQL: workers on other topics may merge into the same customer at once. The row lock
    // makes a second one wait for the first's commit and read its result, so neither overwrites the
    // other's fields or provenance (a deadlock between two batches aborts one, which is retried).
    const lock = this.#sql.dialect === 'postgresql' ? ' order by "id" for update' : '';
    for (const row of await this.#sql.selectIn<Record<string, unknown>>(missing, (list) => `select * from ${quote(spec.table)} where "id" in (${list})${lock}`)) {
      this.#customers.loaded(this.#sql.decode(spec, row));
    }
  }

  async #fetchAddresses(customerIds: readonly string[]): Promise<void> {
    const missing = [...new Set(customerIds.filter((id) => !this.#fetched.addresses.has(id)))];
    if (missing.length === 0) return;
    for (const id of missing) this.#fetched.addresses.add(id);
    const spec = this.#addresses.spec;
    for (const row of await this.#sql.selectIn<Record<string, unknown>>(missing, (list) => `select * from ${quote(spec.table)} where "customer_id" in (${list})`)) {
      const address = this.#addresses.loaded(this.#sql.decode(spec, row));
      this.#addressesByCustomer.set(address.customer, [...(this.#addressesByCustomer.get(address.customer) ?? []), address]);
    }
  }

  async #customer(id: string): Promise<CustomerRow | undefined> {
    await this.#fetchCustomers([id]);
    return this.#customers.get(id);
  }

  #indexPoint(point: ContactPointRow): void {
    const byValue = this.#pointsByValue[point.type];
    const list = byValue.get(point.value);
    if (list) list.push(point);
    else byValue.set(point.value, [point]);
  }

  #indexVehicleLink(link: CustomerVehicleRow): void {
    const list = this.#linksByVin.get(link.vehicle);
    if (list) list.push(link);
    else this.#linksByVin.set(link.vehicle, [link]);
  }

  #createCustomer(record: CustomerRecord, nameKey: string, at: Date): CustomerRow {
    const customer = this.#customers.created({
      id: uuidv7(),
      kind: record.kind,
      givenName: null,
      familyName: null,
      companyName: null,
      nameKey,
      preferredLanguage: null,
      provenance: {},
      createdAt: at,
      updatedAt: at,
    });
    nameKeys.set(customer, { kind: record.kind, name: (record.kind === 'company' ? record.companyName : record.familyName) ?? null, key: customer.nameKey });
    this.#fetched.customers.add(customer.id);
    this.#created.add(customer.id);
    // A new customer has no stored addresses.
    this.#fetched.addresses.add(customer.id);
    return customer;
  }

  /**
   * Matches against the customer's contact points as they were before this record, as the
   * unit of work did: the same value twice in one record is inserted twice and refused by the
   * unique key, failing the message. A value is the same only under the same controller
   * (`sameController`); another controller's statement of it is a row of its own.
   */
  #mergeContactPoints(customer: CustomerRow, source: ValueSource, record: CustomerRecord, at: Date): void {
    if (record.phones.length === 0 && record.emails.length === 0) return;
    const created: ContactPointRow[] = [];
    const merge = (type: ContactType, value: string, label: ContactPointRow['label']) => {
      const found = this.#pointsByValue[type].get(value)?.find((row) => row.customer === customer.id && sameController(row, source));
      if (!found) {
        created.push({ id: uuidv7(), customer: customer.id, type, value, label, ...source, updatedAt: at });
      } else if (found.updatedAt <= at) {
        Object.assign(found, { label, ...source, updatedAt: at });
      }
    };
    for (const phone of record.phones) merge('phone', phone.value, phone.label);
    for (const email of record.emails) merge('email', email.value, email.label);
    for (const point of created) this.#indexPoint(this.#points.created(point));
  }

  #mergeVehicles(customer: CustomerRow, source: ValueSource, record: CustomerRecord, at: Date): void {
    const created: CustomerVehicleRow[] = [];
    for (const input of record.vehicles) {
      const vehicle = this.#vehicles.get(input.vin);
      const facts = { brand: input.brand, model: input.model, registrationDate: input.registrationDate ?? null };
      if (!vehicle) {
        this.#vehicles.created({ vin: input.vin, ...facts, updatedAt: at });
      } else if (vehicle.updatedAt <= at) {
        Object.assign(vehicle, { ...facts, registrationDate: facts.registrationDate ?? vehicle.registrationDate, updatedAt: at });
      }
      const linked = this.#candidates
        .vehicleLinks(input.vin)
        .some((row) => row.customer === customer.id && row.relation === input.relation && sameController(row, source));
      if (!linked) {
        created.push({ id: uuidv7(), customer: customer.id, vehicle: input.vin, relation: input.relation, ...source, updatedAt: at });
      }
    }
    for (const link of created) this.#indexVehicleLink(this.#vehicleLinks.created(link));
  }

  async #applyPendingAddresses(): Promise<void> {
    const pending = this.#pendingAddresses;
    if (pending.length === 0) return;
    this.#pendingAddresses = [];
    await this.#fetchAddresses(pending.map((item) => item.customerId));
    for (const { customerId, source, addresses, at } of pending) {
      const existing = [...(this.#addressesByCustomer.get(customerId) ?? [])];
      for (const address of addresses) {
        const same = existing.find((row) => addressKey(row) === addressKey(address) && sameController(row, source));
        if (!same) {
          const row = this.#addresses.created({ id: uuidv7(), customer: customerId, ...address, ...source, updatedAt: at });
          this.#addressesByCustomer.set(customerId, [...(this.#addressesByCustomer.get(customerId) ?? []), row]);
        } else if (same.updatedAt <= at) {
          Object.assign(same, { ...address, ...source, updatedAt: at });
        }
      }
    }
  }
}

/** Whether two statements of a value (contact point, address, vehicle link) are one controller's: then the newer replaces the older. */
function sameController(row: ValueSource, source: ValueSource): boolean {
  return controllerOfValue(row) === controllerOfValue(source);
}

/**
 * Applies one party's view of a customer to the golden record: link by (party, external id),
 * else resolve, else create; then merge field by field. A field keeps the value of the newest
 * statement (`at`), and its provenance names the party that made it. A batch of one
 * (`GoldenRecordBatch` holds the rules); the rows are written when it returns.
 */
export async function applyCustomerRecord(
  em: Em,
  resolver: IdentityResolver,
  party: PartyId,
  record: CustomerRecord,
  at: Date,
): Promise<GoldenRecordChange> {
  const [change] = await applyCustomerRecordsBatch(em, resolver, party, [{ record, at }]);
  return change!;
}

/** The party no longer claims the customer; the golden record and others' links stay. */
export async function unlinkSourceRecord(em: Em, party: PartyId, externalId: string, at: Date): Promise<string> {
  if (!em.isInTransaction()) return em.transactional((tx) => unlinkSourceRecord(tx as Em, party, externalId, at));
  const batch = await GoldenRecordBatch.load(em, undefined, { sources: [{ party, externalId }] });
  const customerId = await batch.unlink(party, externalId, at);
  await batch.write();
  return customerId;
}

/** The golden customer a party's record is linked to, if any. */
export async function customerOfSource(em: Em, party: PartyId, externalId: string, onBehalfOf?: PartyId): Promise<string | undefined> {
  const link = await em.findOne(SourceRecordEntity, { party, externalId, deletedAt: null });
  return link && answersFor(link, onBehalfOf) ? link.customer : undefined;
}

/** Whether a source record is held for exactly `onBehalfOf` (both absent for a party acting for itself): who may change or unlink it. */
function heldFor(link: Pick<SourceRecordRow, 'onBehalfOf'>, onBehalfOf: PartyId | null | undefined): boolean {
  return (link.onBehalfOf ?? null) === (onBehalfOf ?? null);
}

/** Whether a source record answers a lookup for `onBehalfOf`: acting for a client, a center finds only the records it holds for that client. */
function answersFor(link: Pick<SourceRecordRow, 'onBehalfOf'>, onBehalfOf: PartyId | undefined): boolean {
  return onBehalfOf === undefined || !link.onBehalfOf || link.onBehalfOf === onBehalfOf;
}

/**
 * Applies several records of one party in order with one batch: a handful of queries for all of
 * them. The seed, imports and tests use it; the ingest pipeline drives a `GoldenRecordBatch` itself.
 */
export async function applyCustomerRecordsBatch(
  em: Em,
  resolver: IdentityResolver,
  party: PartyId,
  records: readonly { readonly record: CustomerRecord; readonly at: Date }[],
): Promise<GoldenRecordChange[]> {
  if (!em.isInTransaction()) return em.transactional((tx) => applyCustomerRecordsBatch(tx as Em, resolver, party, records));
  const batch = await GoldenRecordBatch.load(em, resolver, { records: records.map(({ record }) => ({ party, record })) });
  const changes: GoldenRecordChange[] = [];
  for (const { record, at } of records) changes.push(await batch.apply(party, record, at));
  await batch.write();
  return changes;
}

function sourceIdentity(record: CustomerRecord, atText: string): SourceIdentity {
  const identity: { -readonly [K in keyof SourceIdentity]?: SourceIdentity[K] } = { kind: record.kind, at: atText };
  for (const field of ['givenName', 'familyName', 'companyName', 'preferredLanguage'] as const) {
    if (record[field] !== undefined) identity[field] = record[field];
  }
  return identity as SourceIdentity;
}

function isNewer(provenance: Provenance | undefined, at: Date): boolean {
  return !provenance || Date.parse(provenance.at) <= at.getTime();
}

function mergeIdentity(customer: CustomerRow, party: PartyId, record: CustomerRecord, at: Date, atText: string): void {
  const provenance = { ...customer.provenance };
  for (const field of identityFields) {
    const value = record[field];
    if (value === undefined || !isNewer(provenance[field], at)) continue;
    (customer as Record<(typeof identityFields)[number], unknown>)[field] = value;
    provenance[field] = { party, at: atText };
  }
  customer.provenance = provenance;
  customer.nameKey = cachedNameKey(customer);
}

/** The name a key was last computed from, per customer row: `nameKey` normalises Unicode, which is worth doing once per name. */
const nameKeys = new WeakMap<CustomerRow, { readonly kind: string; readonly name: string | null; readonly key: string }>();

function cachedNameKey(customer: CustomerRow): string {
  const name = (customer.kind === 'company' ? customer.companyName : customer.familyName) ?? null;
  const known = nameKeys.get(customer);
  if (known && known.kind === customer.kind && known.name === name) return known.key;
  const key = recordNameKey({ kind: customer.kind, familyName: customer.familyName ?? undefined, companyName: customer.companyName ?? undefined });
  nameKeys.set(customer, { kind: customer.kind, name, key });
  return key;
}

/**
 * An interaction center's record is one client's: the same external id for another client would
 * merge two clients' customers (and hand the record over to the other client's agreements).
 */
function heldForAnotherClient(party: PartyId, externalId: string): TandemError {
  return new TandemError('CONFLICT', 'HELD_FOR_ANOTHER_CLIENT', `${party}'s record ${externalId} is held for another client`, {
    retriable: false,
    issues: [{ path: 'onBehalfOf', message: `${party}'s record ${externalId} is held for another client: a customer of this client needs an externalId of its own` }],
  });
}
