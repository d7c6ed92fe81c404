import type { DataClass, PartyId } from '@tandem/schema';
import { controllerOf, controllerOfValue, type AccessScope, type Grant } from '../sharing/access-scope.js';
import type { ActivityView, CustomerView } from '../customers/customer-view.service.js';

/** Who reads, in which request. */
export interface AccessReader {
  /** The principal's subject. */
  readonly principal: string;
  readonly role: string;
  readonly party: PartyId;
  readonly actingFor?: PartyId | undefined;
  readonly requestId: string;
}

/** One (request, customer) read, ready for the access audit. */
export interface AccessRead extends AccessReader {
  readonly at: Date;
  readonly customerId: string;
  /** Sorted. */
  readonly dataClasses: readonly DataClass[];
  /** Sorted; empty when everything read was the reader's own data. */
  readonly agreementIds: readonly string[];
  /** The grantors of `agreementIds`, sorted. */
  readonly grantors: readonly PartyId[];
}

interface CustomerAccess {
  readonly classes: Set<DataClass>;
  readonly agreements: Set<string>;
  readonly grantors: Set<PartyId>;
}

/**
 * What one request handed out of each customer's personal data: the data classes and the
 * agreements (with their grantors) that made them visible. Filled wherever views are built for
 * the API, read once when the request ends; one `AccessRead` per customer however often it was read.
 */
export class AccessTrail {
  readonly #customers = new Map<string, CustomerAccess>();

  constructor(readonly reader: AccessReader) {}

  /** `dataClass` data of `customerId` that `owner` supplied, seen under `grant`. */
  note(customerId: string, dataClass: DataClass, owner: PartyId, grant: Grant): void {
    let access = this.#customers.get(customerId);
    if (!access) {
      access = { classes: new Set(), agreements: new Set(), grantors: new Set() };
      this.#customers.set(customerId, access);
    }
    access.classes.add(dataClass);
    if (grant.kind === 'agreement') {
      access.agreements.add(grant.agreementId);
      access.grantors.add(owner);
    }
  }

  /** Everything a customer view holds: identity (per visible source), contact points, addresses, vehicles. */
  noteCustomerView(view: CustomerView, scope: AccessScope): void {
    for (const source of view.sources) {
      const grant = scope.grantForContribution(source, 'identity');
      if (grant) this.note(view.id, 'identity', controllerOf(source), grant);
    }
    for (const point of [...view.phones, ...view.emails, ...view.addresses]) this.note(view.id, 'contact', controllerOfValue(point), point.grant);
    for (const vehicle of view.vehicles) this.note(view.id, 'vehicles', controllerOfValue(vehicle), vehicle.grant);
  }

  /**
   * Activities (and their content when it was handed out). An interaction center's activity for a
   * client is the client's data, so the client's agreement is the one used.
   */
  noteActivities(activities: readonly ActivityView[], scope: AccessScope): void {
    for (const activity of activities) {
      this.note(activity.customerId, 'activities', controllerOfValue(activity), activity.grant);
      if (activity.content === null) continue;
      const contribution = { party: activity.sourceParty, onBehalfOf: activity.onBehalfOf };
      this.note(activity.customerId, 'content', controllerOfValue(activity), scope.grantForContribution(contribution, 'content') ?? activity.grant);
    }
  }

  /** Views of another data class that carry their own grant (consent decisions, tasks). */
  noteSourced(dataClass: DataClass, items: readonly { readonly customerId: string; readonly sourceParty: PartyId; readonly grant: Grant }[]): void {
    for (const item of items) this.note(item.customerId, dataClass, item.sourceParty, item.grant);
  }

  /** The reads so far, one per customer, and forgets them (an operation's trail is recorded once). */
  drain(at = new Date()): AccessRead[] {
    const reads = this.reads(at);
    this.#customers.clear();
    return reads;
  }

  /** The reads so far, one per customer. */
  reads(at = new Date()): AccessRead[] {
    return [...this.#customers].map(([customerId, access]) => ({
      ...this.reader,
      at,
      customerId,
      dataClasses: [...access.classes].sort(),
      agreementIds: [...access.agreements].sort(),
      grantors: [...access.grantors].sort(),
    }));
  }
}
