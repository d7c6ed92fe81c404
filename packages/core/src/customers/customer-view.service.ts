import type { Channel, ContactLabel, CountryCode, CustomerKind, DataClass, Direction, PartyId, VehicleRelation } from '@tandem/schema';
import { nameKey, normaliseEmail, normalisePhone, normaliseVin } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { runQueries } from '../database/queries.js';
import type { AccessScope, Grant } from '../sharing/access-scope.js';
import { CustomerEntity, type CustomerRow } from './customer.entity.js';
import { AddressEntity, ContactPointEntity } from './contact-point.entity.js';
import { CustomerVehicleEntity, VehicleEntity } from './vehicle.entity.js';
import { SourceRecordEntity, type SourceRecordRow } from './source-record.entity.js';
import { ActivityEntity, type ActivityRow } from '../activities/activity.entity.js';

/** A value with the party that supplied it and the grant under which the viewer sees it. */
export interface Sourced {
  readonly sourceParty: PartyId;
  readonly grant: Grant;
}

export interface CustomerView {
  readonly id: string;
  readonly kind: CustomerKind;
  readonly givenName: string | null;
  readonly familyName: string | null;
  readonly companyName: string | null;
  readonly preferredLanguage: string | null;
  readonly phones: readonly (Sourced & { value: string; label: ContactLabel })[];
  readonly emails: readonly (Sourced & { value: string; label: ContactLabel })[];
  readonly addresses: readonly (Sourced & { street: string; postalCode: string; city: string; country: string; label: ContactLabel })[];
  readonly vehicles: readonly (Sourced & { vin: string; brand: string; model: string; registrationDate: string | null; relation: VehicleRelation })[];
  /** The source records the viewer may know of: (party, externalId). */
  readonly sources: readonly { party: PartyId; externalId: string }[];
  readonly updatedAt: Date;
}

export interface ActivityView extends Sourced {
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
  readonly onBehalfOf: PartyId | null;
  readonly brand: string | null;
}

/** Customer ids among `ids` that the viewer may see at all (uniform: unknown and forbidden look the same). */
export async function visibleCustomerIds(em: Em, scope: AccessScope, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const owners = scope.ownersVisibleFor('identity');
  if (owners.length === 0) return new Set();
  const links = await em.find(
    SourceRecordEntity,
    { customer: { $in: [...ids] }, party: { $in: owners }, deletedAt: null },
    { fields: ['customer'] },
  );
  return new Set(links.map((link) => link.customer));
}

/**
 * Loads the viewer's view of several customers with a fixed number of queries (no N+1):
 * each field, contact point and vehicle appears only if its source party is visible to the viewer.
 */
export async function loadCustomerViews(em: Em, scope: AccessScope, ids: readonly string[]): Promise<Map<string, CustomerView>> {
  const visible = [...(await visibleCustomerIds(em, scope, ids))];
  const views = new Map<string, CustomerView>();
  if (visible.length === 0) return views;
  const where = { customer: { $in: visible } };
  const [customers, points, addresses, vehicleLinks, sources] = await runQueries(em, [
    () => em.find(CustomerEntity, { id: { $in: visible } }),
    () => em.find(ContactPointEntity, where, { orderBy: { updatedAt: 'desc' } }),
    () => em.find(AddressEntity, where, { orderBy: { updatedAt: 'desc' } }),
    () => em.find(CustomerVehicleEntity, where, { orderBy: { updatedAt: 'desc' } }),
    () => em.find(SourceRecordEntity, { ...where, deletedAt: null }, { orderBy: { linkedAt: 'asc' } }),
  ]);
  const vehicles = vehicleLinks.length
    ? await em.find(VehicleEntity, { vin: { $in: [...new Set(vehicleLinks.map((link) => link.vehicle))] } })
    : [];
  const vehicleByVin = new Map(vehicles.map((vehicle) => [vehicle.vin, vehicle]));
  const sourced = <T extends { sourceParty: PartyId }>(row: T, dataClass: DataClass) => {
    const grant = scope.grantFor(row.sourceParty, dataClass);
    return grant ? { ...row, grant } : undefined;
  };
  for (const customer of customers) {
    const mine = <T extends { customer: string }>(rows: readonly T[]) => rows.filter((row) => row.customer === customer.id);
    const contact = mine(points).flatMap((point) => {
      const view = sourced(point, 'contact');
      return view ? [{ type: point.type, value: point.value, label: point.label, sourceParty: point.sourceParty, grant: view.grant }] : [];
    });
    views.set(customer.id, {
      ...identityView(customer, mine(sources), scope),
      phones: contact.filter((point) => point.type === 'phone').map(({ type: _type, ...point }) => point),
      emails: contact.filter((point) => point.type === 'email').map(({ type: _type, ...point }) => point),
      addresses: mine(addresses).flatMap((address) => {
        const view = sourced(address, 'contact');
        if (!view) return [];
        const { street, postalCode, city, country, label, sourceParty } = address;
        return [{ street, postalCode, city, country, label, sourceParty, grant: view.grant }];
      }),
      vehicles: mine(vehicleLinks).flatMap((link) => {
        const grant = scope.grantFor(link.sourceParty, 'vehicles');
        const vehicle = vehicleByVin.get(link.vehicle);
        if (!grant || !vehicle) return [];
        const { vin, brand, model, registrationDate } = vehicle;
        return [{ vin, brand, model, registrationDate: registrationDate ?? null, relation: link.relation, sourceParty: link.sourceParty, grant }];
      }),
      sources: mine(sources)
        .filter((source) => scope.canSee(source.party, 'identity'))
        .map((source) => ({ party: source.party, externalId: source.externalId })),
    });
  }
  return views;
}

const identityFields = ['givenName', 'familyName', 'companyName', 'preferredLanguage'] as const;

/**
 * Each identity field as the newest statement among the source records the viewer may see
 * (`identity` class), so a party never sees a value only another, non-sharing party supplied.
 */
function identityView(customer: CustomerRow, sources: readonly SourceRecordRow[], scope: AccessScope) {
  const visible = sources
    .filter((source) => scope.canSee(source.party, 'identity'))
    .sort((a, b) => Date.parse(b.identity.at) - Date.parse(a.identity.at));
  const field = (key: (typeof identityFields)[number]): string | null => visible.find((source) => source.identity[key] !== undefined)?.identity[key] ?? null;
  return {
    id: customer.id,
    kind: visible[0]?.identity.kind ?? customer.kind,
    givenName: field('givenName'),
    familyName: field('familyName'),
    companyName: field('companyName'),
    preferredLanguage: field('preferredLanguage'),
    updatedAt: customer.updatedAt,
  };
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
  const grant = scope.grantFor(row.party, 'activities') ?? ({ kind: 'own' } as const);
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
  const { kind, ids } = await candidateIds(em, term, options.region, options.limit * 4);
  const views = await loadCustomerViews(em, scope, ids);
  return { kind, customers: ids.flatMap((id) => views.get(id) ?? []).slice(0, options.limit) };
}

async function candidateIds(em: Em, term: string, region: CountryCode | undefined, limit: number): Promise<{ kind: SearchKind; ids: string[] }> {
  const vin = normaliseVin(term);
  if (vin.ok) {
    const links = await em.find(CustomerVehicleEntity, { vehicle: vin.value }, { limit });
    return { kind: 'vin', ids: unique(links.map((link) => link.customer)) };
  }
  if (term.includes('@')) {
    const email = normaliseEmail(term);
    if (!email.ok) return { kind: 'email', ids: [] };
    const points = await em.find(ContactPointEntity, { type: 'email', value: email.value }, { limit });
    return { kind: 'email', ids: unique(points.map((point) => point.customer)) };
  }
  if (/^[\d\s()+./-]{5,}$/.test(term.trim())) {
    const phone = normalisePhone(term, region);
    if (!phone.ok) return { kind: 'phone', ids: [] };
    const points = await em.find(ContactPointEntity, { type: 'phone', value: phone.value }, { limit });
    return { kind: 'phone', ids: unique(points.map((point) => point.customer)) };
  }
  const tokens = term.trim().split(/\s+/).map(nameKey).filter(Boolean);
  if (tokens.length === 0) return { kind: 'name', ids: [] };
  const whole = tokens.join(' ');
  const last = tokens.at(-1) ?? whole;
  const customers = await em.find(
    CustomerEntity,
    { $or: [{ nameKey: { $like: `${escapeLike(whole)}%` } }, { nameKey: last }] },
    { fields: ['id', 'givenName'], limit, orderBy: { nameKey: 'asc', id: 'asc' } },
  );
  const first = tokens.length > 1 ? tokens[0] : undefined;
  const ranked = first ? [...customers].sort((a, b) => rank(b, first) - rank(a, first)) : customers;
  return { kind: 'name', ids: ranked.map((customer) => customer.id) };
}

function rank(customer: Pick<CustomerRow, 'givenName'>, givenKey: string): number {
  return customer.givenName && nameKey(customer.givenName).startsWith(givenKey) ? 1 : 0;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
