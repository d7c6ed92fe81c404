import type { Channel, ContactLabel, CountryCode, CustomerKind, DataClass, Direction, PartyId, VehicleRelation } from '@tandem/schema';
import { nameKey, normaliseEmail, normalisePhone, normaliseVin } from '@tandem/schema';
import { BulkSql, quote } from '../database/bulk-sql.js';
import { flushPending, type Em } from '../database/orm.js';
import { RowReader } from '../database/read-rows.js';
import type { AccessScope, Contribution, Grant } from '../sharing/access-scope.js';
import { CustomerEntity, type CustomerRow } from './customer.entity.js';
import { AddressEntity, ContactPointEntity, type AddressRow, type ContactPointRow } from './contact-point.entity.js';
import { CustomerVehicleEntity, VehicleEntity, type CustomerVehicleRow, type VehicleRow } from './vehicle.entity.js';
import { SourceRecordEntity, type SourceRecordRow } from './source-record.entity.js';
import { ActivityEntity, type ActivityRow } from '../activities/activity.entity.js';

/** A value with the party that supplied it and the grant under which the viewer sees it. */
export interface Sourced {
  readonly sourceParty: PartyId;
  readonly grant: Grant;
}

/** Customer data as the viewer sees it: also the client an interaction center captured it for (its controller). */
export interface Captured extends Sourced {
  readonly onBehalfOf: PartyId | null;
}

export interface CustomerView {
  readonly id: string;
  readonly kind: CustomerKind;
  readonly givenName: string | null;
  readonly familyName: string | null;
  readonly companyName: string | null;
  readonly preferredLanguage: string | null;
  readonly phones: readonly (Captured & { value: string; label: ContactLabel })[];
  readonly emails: readonly (Captured & { value: string; label: ContactLabel })[];
  readonly addresses: readonly (Captured & { street: string; postalCode: string; city: string; country: string; label: ContactLabel })[];
  readonly vehicles: readonly (Captured & { vin: string; brand: string; model: string; registrationDate: string | null; relation: VehicleRelation })[];
  /** The source records the viewer may know of: (party, externalId), and the client an interaction center holds it for. */
  readonly sources: readonly { party: PartyId; externalId: string; onBehalfOf: PartyId | null }[];
  readonly updatedAt: Date;
}

export interface ActivityView extends Captured {
  readonly id: string;
  readonly customerId: string;
  readonly externalId: string;
  readonly channel: Channel;
  readonly direction: Direction;
  readonly occurredAt: Date;
  readonly durationSeconds: number | null;
  readonly subject: string | null;
  readonly outcome: string | null;
  /** Null unless the viewer holds the `content` data class from the activity's party. */
  readonly content: string | null;
  readonly actor: string | null;
  readonly brand: string | null;
}

/** Customer ids among `ids` that the viewer may see at all (uniform: unknown and forbidden look the same). */
export async function visibleCustomerIds(em: Em, scope: AccessScope, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const links = await new RowReader(em).selectIn<SourceRecordRow>(SourceRecordEntity, 'customer_id', ids, '', '"deleted_at" is null');
  return new Set(links.filter((link) => canSeeSource(link, scope)).map((link) => link.customer));
}

/** Whether the viewer sees a source record (and its identity statement): `identity` data of its controller. */
function canSeeSource(source: Contribution, scope: AccessScope): boolean {
  return scope.canSeeContribution(source, 'identity');
}

/**
 * Everything the views of one customer are built from, as stored: read once, then viewed by any
 * number of scopes (the fan-out builds every recipient's projection from one read).
 */
export interface CustomerViewData {
  readonly customer: CustomerRow;
  /** Newest first. */
  readonly points: readonly ContactPointRow[];
  /** Newest first. */
  readonly addresses: readonly AddressRow[];
  /** Newest first. */
  readonly vehicleLinks: readonly CustomerVehicleRow[];
  readonly vehicles: ReadonlyMap<string, VehicleRow>;
  /** Source records not unlinked, oldest link first. */
  readonly sources: readonly SourceRecordRow[];
}

/**
 * Loads the viewer's view of several customers with a fixed number of queries (no N+1):
 * each field, contact point and vehicle appears only if its source party is visible to the viewer.
 */
export async function loadCustomerViews(em: Em, scope: AccessScope, ids: readonly string[]): Promise<Map<string, CustomerView>> {
  const views = new Map<string, CustomerView>();
  // Visibility is decided from the source records read with the rest (`customerViewOf`), not by a
  // query of its own: one statement less on every read, and an invisible customer still gets nothing.
  const data = await loadCustomerViewData(em, ids);
  for (const id of ids) {
    const stored = data.get(id);
    const view = stored && customerViewOf(stored, scope);
    if (view) views.set(id, view);
  }
  return views;
}

/**
 * The stored state behind the views of `ids` (unknown ids are absent), in six set-based reads
 * that bypass the unit of work (nothing is hydrated into the identity map; pending changes are
 * flushed first, as a query would). Who may see what is decided later, by `customerViewOf`.
 */
export async function loadCustomerViewData(em: Em, ids: readonly string[]): Promise<Map<string, CustomerViewData>> {
  const result = new Map<string, CustomerViewData>();
  const unique = [...new Set(ids)];
  if (unique.length === 0) return result;
  await flushPending(em);
  const sql = new BulkSql(em);
  const read = async <Row>(entity: { readonly meta: { readonly className: string } }, where: string, order: string, keys: readonly string[] = unique) => {
    const spec = sql.table<Row>(entity);
    const rows = await sql.selectIn<Record<string, unknown>>(keys, (list) => `select * from ${quote(spec.table)} where ${where} in (${list}) ${order}`);
    return rows.map((row) => sql.decode(spec, row));
  };
  const customers = await read<CustomerRow>(CustomerEntity, '"id"', '');
  if (customers.length === 0) return result;
  // Ties in time fall back to the key, so a view lists its rows in one order however it was built (see `newestFirst`).
  const points = await read<ContactPointRow>(ContactPointEntity, '"customer_id"', 'order by "updated_at" desc, "id" asc');
  const addresses = await read<AddressRow>(AddressEntity, '"customer_id"', 'order by "updated_at" desc, "id" asc');
  const vehicleLinks = await read<CustomerVehicleRow>(CustomerVehicleEntity, '"customer_id"', 'order by "updated_at" desc, "id" asc');
  const sources = await read<SourceRecordRow>(SourceRecordEntity, '"deleted_at" is null and "customer_id"', 'order by "linked_at" asc, "party" asc, "external_id" asc');
  const vehicles = vehicleLinks.length ? await read<VehicleRow>(VehicleEntity, '"vin"', '', [...new Set(vehicleLinks.map((link) => link.vehicle))]) : [];
  const vehicleByVin = new Map(vehicles.map((vehicle) => [vehicle.vin, vehicle]));
  const byCustomer = <T extends { customer: string }>(rows: readonly T[]) => {
    const grouped = new Map<string, T[]>();
    for (const row of rows) {
      const list = grouped.get(row.customer);
      if (list) list.push(row);
      else grouped.set(row.customer, [row]);
    }
    return grouped;
  };
  const [pointsOf, addressesOf, linksOf, sourcesOf] = [byCustomer(points), byCustomer(addresses), byCustomer(vehicleLinks), byCustomer(sources)];
  for (const customer of customers) {
    const vehicleLinksOfCustomer = linksOf.get(customer.id) ?? [];
    result.set(customer.id, {
      customer,
      points: pointsOf.get(customer.id) ?? [],
      addresses: addressesOf.get(customer.id) ?? [],
      vehicleLinks: vehicleLinksOfCustomer,
      vehicles: new Map(vehicleLinksOfCustomer.flatMap((link) => {
        const vehicle = vehicleByVin.get(link.vehicle);
        return vehicle ? [[vehicle.vin, vehicle] as const] : [];
      })),
      sources: sourcesOf.get(customer.id) ?? [],
    });
  }
  return result;
}

/** The order of contact points, addresses and vehicle links in a view: newest first, then by id (UUID v7: creation order). */
export function newestFirst(a: { readonly updatedAt: Date; readonly id: string }, b: { readonly updatedAt: Date; readonly id: string }): number {
  return b.updatedAt.getTime() - a.updatedAt.getTime() || compareText(a.id, b.id);
}

/** The order of source records in a view: oldest link first, then by party and external id. */
export function oldestLinkFirst(a: SourceRecordRow, b: SourceRecordRow): number {
  return a.linkedAt.getTime() - b.linkedAt.getTime() || compareText(a.party, b.party) || compareText(a.externalId, b.externalId);
}

/** Code-unit order, as SQLite's and PostgreSQL's C collation compare ASCII keys. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether the viewer may see the customer at all: `visibleCustomerIds` for data already loaded. */
export function isCustomerVisible(data: CustomerViewData, scope: AccessScope): boolean {
  for (const source of data.sources) if (canSeeSource(source, scope)) return true;
  return false;
}

/** The viewer's view of one customer, or undefined when it may not see the customer at all. */
export function customerViewOf(data: CustomerViewData, scope: AccessScope): CustomerView | undefined {
  if (!isCustomerVisible(data, scope)) return undefined;
  const { customer, sources } = data;
  // Rows come newest first, one per value and controller: each value is shown once, as the newest statement of it the viewer may see.
  const shown = new Set<string>();
  const firstShowing = (key: string): boolean => {
    if (shown.has(key)) return false;
    shown.add(key);
    return true;
  };
  const phones: CustomerView['phones'][number][] = [];
  const emails: CustomerView['emails'][number][] = [];
  for (const { type, value, label, sourceParty, onBehalfOf } of data.points) {
    const grant = valueGrant(scope, sourceParty, onBehalfOf, 'contact');
    if (grant && firstShowing(`${type}\u0000${value}`)) (type === 'phone' ? phones : emails).push({ value, label, sourceParty, onBehalfOf: onBehalfOf ?? null, grant });
  }
  const addresses: CustomerView['addresses'][number][] = [];
  for (const address of data.addresses) {
    const { street, postalCode, city, country, label, sourceParty, onBehalfOf } = address;
    const grant = valueGrant(scope, sourceParty, onBehalfOf, 'contact');
    if (grant && firstShowing(`address\u0000${addressKey(address)}`)) addresses.push({ street, postalCode, city, country, label, sourceParty, onBehalfOf: onBehalfOf ?? null, grant });
  }
  const vehicles: CustomerView['vehicles'][number][] = [];
  for (const link of data.vehicleLinks) {
    const grant = valueGrant(scope, link.sourceParty, link.onBehalfOf, 'vehicles');
    const vehicle = data.vehicles.get(link.vehicle);
    if (!grant || !vehicle || !firstShowing(`vehicle\u0000${link.vehicle}\u0000${link.relation}`)) continue;
    const { vin, brand, model, registrationDate } = vehicle;
    const { relation, sourceParty } = link;
    vehicles.push({ vin, brand, model, registrationDate: registrationDate ?? null, relation, sourceParty, onBehalfOf: link.onBehalfOf ?? null, grant });
  }
  const visibleSources: CustomerView['sources'][number][] = [];
  for (const { party, externalId, onBehalfOf } of sources) {
    if (canSeeSource({ party, onBehalfOf }, scope)) visibleSources.push({ party, externalId, onBehalfOf: onBehalfOf ?? null });
  }
  const identity = identityView(customer, sources, scope);
  return {
    id: identity.id,
    kind: identity.kind,
    givenName: identity.givenName,
    familyName: identity.familyName,
    companyName: identity.companyName,
    preferredLanguage: identity.preferredLanguage,
    phones,
    emails,
    addresses,
    vehicles,
    sources: visibleSources,
    updatedAt: identity.updatedAt,
  };
}

/** What makes two postal addresses of a customer the same: country, postal code and street (case aside); the city and label are facts about it. */
export function addressKey(address: Pick<AddressRow, 'country' | 'postalCode' | 'street'>): string {
  return `${address.country}\u0000${address.postalCode}\u0000${address.street.toLowerCase()}`;
}

/** How the viewer sees a contact point, address or vehicle link: through its controller (`AccessScope.grantForContribution`). */
function valueGrant(scope: AccessScope, sourceParty: PartyId, onBehalfOf: PartyId | null | undefined, dataClass: DataClass): Grant | undefined {
  return scope.grantForContribution({ party: sourceParty, onBehalfOf }, dataClass);
}

/**
 * Whether the viewer sees a stored value (contact point, vehicle link). Lookups by a value (search,
 * caller identification) match only values the viewer sees: another party's phone must not tell it
 * who a caller is, nor that its customer has that phone.
 */
export function canSeeValue(scope: AccessScope, value: Pick<ContactPointRow, 'sourceParty' | 'onBehalfOf'>, dataClass: 'contact' | 'vehicles'): boolean {
  return valueGrant(scope, value.sourceParty, value.onBehalfOf, dataClass) !== undefined;
}

const identityFields = ['givenName', 'familyName', 'companyName', 'preferredLanguage'] as const;

/**
 * Each identity field as the newest statement among the source records the viewer may see
 * (`identity` class), so a party never sees a value only another, non-sharing party supplied.
 */
function identityView(customer: CustomerRow, sources: readonly SourceRecordRow[], scope: AccessScope) {
  const visible: SourceRecordRow[] = [];
  for (const source of sources) if (canSeeSource(source, scope)) visible.push(source);
  if (visible.length > 1) visible.sort(newestStatementFirst);
  return {
    id: customer.id,
    kind: visible[0]?.identity.kind ?? customer.kind,
    givenName: newestStatementOf(visible, 'givenName'),
    familyName: newestStatementOf(visible, 'familyName'),
    companyName: newestStatementOf(visible, 'companyName'),
    preferredLanguage: newestStatementOf(visible, 'preferredLanguage'),
    updatedAt: customer.updatedAt,
  };
}

function newestStatementOf(visible: readonly SourceRecordRow[], key: (typeof identityFields)[number]): string | null {
  for (const source of visible) {
    const value = source.identity[key];
    if (value !== undefined) return value;
  }
  return null;
}

function newestStatementFirst(a: SourceRecordRow, b: SourceRecordRow): number {
  return Date.parse(b.identity.at) - Date.parse(a.identity.at);
}

export interface TimelinePage {
  readonly activities: ActivityView[];
  readonly hasNextPage: boolean;
}

/** Position in a timeline: newest first, ties broken by id. */
export interface TimelineCursor {
  readonly occurredAt: Date;
  readonly id: string;
}

/**
 * A page of the customer's timeline across all parties the viewer may see, newest first.
 * Pages of several customers load in one query per call (`customerIds`).
 */
export async function loadTimeline(
  em: Em,
  scope: AccessScope,
  customerId: string,
  page: { readonly first: number; readonly after?: TimelineCursor },
): Promise<TimelinePage> {
  const visibility = scope.activityFilter();
  const cursor = page.after
    ? { $or: [{ occurredAt: { $lt: page.after.occurredAt } }, { occurredAt: page.after.occurredAt, id: { $lt: page.after.id } }] }
    : {};
  const rows = await em.find(
    ActivityEntity,
    { $and: [{ customer: customerId }, visibility, cursor] },
    { orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }], limit: page.first + 1 },
  );
  return { activities: rows.slice(0, page.first).map((row) => activityView(row, scope)), hasNextPage: rows.length > page.first };
}

export function activityView(row: ActivityRow, scope: AccessScope): ActivityView {
  const grant = scope.grantForContribution(row, 'activities') ?? ({ kind: 'own' } as const);
  return {
    id: row.id,
    customerId: row.customer,
    externalId: row.externalId,
    sourceParty: row.party,
    grant,
    channel: row.channel,
    direction: row.direction,
    occurredAt: row.occurredAt,
    durationSeconds: row.durationSeconds ?? null,
    subject: row.subject ?? null,
    outcome: row.outcome ?? null,
    content: scope.canSeeActivityContent(row) ? (row.content ?? null) : null,
    actor: row.actor ?? null,
    onBehalfOf: row.onBehalfOf ?? null,
    brand: row.brand ?? null,
  };
}

export type SearchKind = 'vin' | 'email' | 'phone' | 'name';

/**
 * Finds customers by VIN, e-mail, phone (any format; national formats read in `region`) or
 * name (diacritics-insensitive prefix of the family or company name), visible to the viewer.
 */
export async function searchCustomers(
  em: Em,
  scope: AccessScope,
  term: string,
  options: { readonly region?: CountryCode; readonly limit: number },
): Promise<{ kind: SearchKind; customers: CustomerView[] }> {
  const candidates = await candidateIds(em, scope, term, options.region, options.limit * 4);
  const views = await loadCustomerViews(em, scope, candidates.ids);
  const found = candidates.ids.flatMap((id) => views.get(id) ?? []);
  return { kind: candidates.kind, customers: givenNameFirst(found, candidates.first).slice(0, options.limit) };
}

/**
 * Customers a search term may name, matched only through values the viewer sees (`canSeeValue`),
 * a name through the source records' own statements the viewer sees (a family or company name
 * prefix, or the term's last word as the whole name); `first` is a name term's first word.
 */
async function candidateIds(
  em: Em,
  scope: AccessScope,
  term: string,
  region: CountryCode | undefined,
  limit: number,
): Promise<{ kind: SearchKind; ids: string[]; first?: string | undefined }> {
  const vin = normaliseVin(term);
  if (vin.ok) {
    const links = await em.find(CustomerVehicleEntity, { vehicle: vin.value }, { limit });
    return { kind: 'vin', ids: customersThrough(scope, links, 'vehicles') };
  }
  if (term.includes('@')) {
    const email = normaliseEmail(term);
    if (!email.ok) return { kind: 'email', ids: [] };
    const points = await em.find(ContactPointEntity, { type: 'email', value: email.value }, { limit });
    return { kind: 'email', ids: customersThrough(scope, points, 'contact') };
  }
  if (/^[\d\s()+./-]{5,}$/.test(term.trim())) {
    const phone = normalisePhone(term, region);
    if (!phone.ok) return { kind: 'phone', ids: [] };
    const points = await em.find(ContactPointEntity, { type: 'phone', value: phone.value }, { limit });
    return { kind: 'phone', ids: customersThrough(scope, points, 'contact') };
  }
  const tokens = term.trim().split(/\s+/).map(nameKey).filter(Boolean);
  if (tokens.length === 0) return { kind: 'name', ids: [] };
  const whole = tokens.join(' ');
  // A prefix as a range (both dialects compare the column bytewise), so the index serves it where LIKE would scan.
  const statements = await new RowReader(em).query<{ customer_id: string; party: PartyId; on_behalf_of: PartyId | null }>(
    `select "customer_id", "party", "on_behalf_of" from "source_record"
      where "deleted_at" is null and ("name_key" >= ? and "name_key" < ? or "name_key" = ?)
      order by "name_key", "customer_id" limit ?`,
    [whole, `${whole}\u{10FFFF}`, tokens.at(-1)!, limit],
  );
  const seen = statements.filter((statement) => canSeeSource({ party: statement.party, onBehalfOf: statement.on_behalf_of }, scope));
  return { kind: 'name', ids: [...new Set(seen.map((statement) => statement.customer_id))], first: tokens.length > 1 ? tokens[0] : undefined };
}

/** The views, those whose given name starts with `first` (a name term's first word) first. */
function givenNameFirst(views: readonly CustomerView[], first: string | undefined): CustomerView[] {
  if (!first) return [...views];
  const matches = (view: CustomerView) => (view.givenName && nameKey(view.givenName).startsWith(first) ? 1 : 0);
  return [...views].sort((a, b) => matches(b) - matches(a));
}

/** The customers of the matched values the viewer sees, each once. */
function customersThrough(
  scope: AccessScope,
  values: readonly Pick<ContactPointRow, 'customer' | 'sourceParty' | 'onBehalfOf'>[],
  dataClass: 'contact' | 'vehicles',
): string[] {
  return [...new Set(values.filter((value) => canSeeValue(scope, value, dataClass)).map((value) => value.customer))];
}

/**
 * Every customer the viewer may see, in id order, a page at a time (an export): candidates are
 * read from the source records in customer order through their index, narrowed to records of the
 * viewer or of a party granting it identity data; the views are built by `loadCustomerViews`,
 * the rule of every read path, which also drops what the narrowing let through. Resumes after
 * the customer id `after`.
 */
export async function* visibleCustomerPages(
  em: Em,
  scope: AccessScope,
  options: { readonly after?: string | undefined; readonly pageSize: number },
): AsyncGenerator<CustomerView[]> {
  const reader = new RowReader(em);
  const controllers = [scope.viewer.party, ...scope.grantorsOf('identity')];
  let after = options.after;
  for (;;) {
    const rows = await reader.query<{ customer_id: string }>(
      `select distinct "customer_id" from "source_record"
        where "deleted_at" is null${after === undefined ? '' : ' and "customer_id" > ?'}
          and ("party" = ? or coalesce("on_behalf_of", "party") in (${controllers.map(() => '?').join(', ')}))
        order by "customer_id" limit ?`,
      [...(after === undefined ? [] : [after]), scope.viewer.party, ...controllers, options.pageSize],
    );
    if (rows.length === 0) return;
    const ids = rows.map((row) => row.customer_id);
    const views = await loadCustomerViews(em, scope, ids);
    yield ids.flatMap((id) => views.get(id) ?? []);
    after = ids.at(-1)!;
    if (rows.length < options.pageSize) return;
  }
}
