import type { PartyId, PartyKind } from '@tandem/schema';
import {
  AccessScope,
  activityView,
  controllerOf,
  customerViewOf,
  isCustomerVisible,
  isInForce,
  loadCustomerViewData,
  ReferenceData,
  type ActivityRow,
  type CustomerViewData,
  type Em,
  type SharingAgreementRow,
  type TaskRow,
  type Viewer,
} from '@tandem/core';
import type { OutgoingMessage } from '../bus/bus.port.js';
import { assignedTask, customerProjection, customerSections, envelopeBody, outboundMessage, outboundMessageWithBody, sharedActivity } from './projection.js';

/** A change a party's event made to the hub's state, as far as other parties may hear of it. */
export type SyncChange =
  | { readonly kind: 'customer'; readonly customerId: string; readonly occurredAt: Date; readonly onBehalfOf?: PartyId }
  | { readonly kind: 'activity'; readonly activity: ActivityRow; readonly occurredAt: Date }
  | { readonly kind: 'task'; readonly task: TaskRow; readonly occurredAt: Date }
  /** Not sent to other parties (no outbound consent contract yet); readers see it through the API. */
  | { readonly kind: 'consent'; readonly customerId: string; readonly occurredAt: Date };

/** The customers `changes` concern. */
export function changedCustomers(changes: readonly SyncChange[]): string[] {
  return changes.map((change) => {
    switch (change.kind) {
      case 'customer':
      case 'consent':
        return change.customerId;
      case 'activity':
        return change.activity.customer;
      case 'task':
        return change.task.customer;
    }
  });
}

interface Recipient {
  readonly party: PartyId;
  readonly scope: AccessScope;
}

/**
 * Turns the changes a source party caused into outbound messages for the parties allowed to
 * receive them. Recipients are the grantees of agreements in force FROM the change's controller
 * (`controllerOf`: the source, or the client an interaction center acted for, which receives its
 * own data too), never the source itself; what each receives is decided by its AccessScope, the same policy every read
 * path uses. One instance per consumed batch: agreements are loaded once, at one instant (`at`),
 * so a revocation stops the flow from the next batch on.
 */
export class OutboundFanOut {
  readonly #agreementsFrom = new Map<PartyId, readonly SharingAgreementRow[]>();
  /** By viewer (party, and the client an interaction center acts for). */
  readonly #scopes = new Map<string, AccessScope>();
  readonly #kinds = new Map<PartyId, PartyKind>();
  /** The reference tables (parties, agreements) as of this fan-out's first read of them. */
  #reference: Promise<ReferenceData> | undefined;

  /** `reference`: the snapshot the caller already holds, else one is taken on first need. */
  constructor(
    readonly at: Date,
    reference?: ReferenceData,
  ) {
    if (reference) this.#reference = Promise.resolve(reference);
  }

  #referenceData(em: Em): Promise<ReferenceData> {
    this.#reference ??= ReferenceData.of(em);
    return this.#reference;
  }

  /**
   * Messages for `changes`, in order: customer projections (one per customer and recipient, of
   * the state after all changes), then shared activities, then tasks. The customers concerned
   * are read once (`known`: the stored state of some of them, current, e.g. the customers the
   * batch created, which need no read-back); every recipient's view of them is built from that
   * by its AccessScope.
   */
  async project(em: Em, source: PartyId, changes: readonly SyncChange[], known?: ReadonlyMap<string, CustomerViewData>): Promise<OutgoingMessage[]> {
    if (changes.length === 0) return [];
    /** Changed customers by the controller of the change (`controllerOf`): whose agreements project them. */
    const customersBy = new Map<PartyId, Map<string, Date>>();
    const activities = new Map<string, { readonly activity: ActivityRow; readonly occurredAt: Date }>();
    const tasks = new Map<string, { readonly task: TaskRow; readonly occurredAt: Date }>();
    for (const change of changes) {
      if (change.kind === 'customer') {
        const controller = controllerOf({ party: source, onBehalfOf: change.onBehalfOf });
        const customers = customersBy.get(controller) ?? new Map<string, Date>();
        customers.set(change.customerId, latest(customers.get(change.customerId), change.occurredAt));
        customersBy.set(controller, customers);
      } else if (change.kind === 'activity') activities.set(change.activity.id, change);
      else if (change.kind === 'task') tasks.set(change.task.id, change);
    }
    const recipients = await this.recipientsOf(em, source);
    const activityRecipients = await this.activityRecipients(em, source, recipients, activities);
    const projections: { readonly controller: PartyId; readonly recipients: Recipient[]; readonly customers: ReadonlyMap<string, Date> }[] = [];
    for (const [controller, customers] of customersBy) {
      const candidates = controller === source ? recipients : await this.controllerRecipients(em, source, controller);
      const projected = candidates.filter(({ scope }) => customerSections.some((section) => scope.canSee(controller, section)));
      if (projected.length > 0) projections.push({ controller, recipients: projected, customers });
    }
    const shared = activityRecipients.flatMap((recipient) => {
      const eligible = [...activities.values()].filter(({ activity }) => activity.party === source && recipient.scope.canSeeActivity(activity));
      return eligible.length > 0 ? [{ ...recipient, eligible }] : [];
    });
    const concerned = [
      ...projections.flatMap(({ customers }) => [...customers.keys()]),
      ...shared.flatMap(({ eligible }) => eligible.map(({ activity }) => activity.customer)),
    ];
    const data = new Map(known);
    for (const [id, stored] of await loadCustomerViewData(em, concerned.filter((id) => !data.has(id)))) data.set(id, stored);
    return [
      ...projections.flatMap(({ controller, recipients: projected, customers }) => this.customerMessages(source, controller, projected, customers, data)),
      ...this.activityMessages(source, shared, data),
      ...this.taskMessages(source, recipients, [...tasks.values()]),
    ];
  }

  /**
   * Recipients of activities: the source's grantees, plus the grantees of each client an
   * interaction center acted for (the client's data, shared under the client's agreements).
   */
  private async activityRecipients(
    em: Em,
    source: PartyId,
    recipients: readonly Recipient[],
    activities: ReadonlyMap<string, { readonly activity: ActivityRow }>,
  ): Promise<Recipient[]> {
    const clients = new Set([...activities.values()].flatMap(({ activity }) => (activity.onBehalfOf ? [activity.onBehalfOf] : [])));
    const all = new Map(recipients.map((recipient) => [recipient.party, recipient]));
    for (const client of clients) {
      for (const recipient of await this.recipientsOf(em, client)) if (recipient.party !== source) all.set(recipient.party, recipient);
    }
    return [...all.values()];
  }

  /**
   * Recipients of what an interaction center (`source`) captured on behalf of `controller`: the
   * client itself (its own data) and the client's grantees, never the center (the change is its own).
   */
  private async controllerRecipients(em: Em, source: PartyId, controller: PartyId): Promise<Recipient[]> {
    const [client] = await this.#scopesOf(em, [controller]);
    return [client!, ...(await this.recipientsOf(em, controller))].filter((recipient) => recipient.party !== source);
  }

  /** Parties holding an agreement in force from `source`, each with its scope. */
  async recipientsOf(em: Em, source: PartyId): Promise<Recipient[]> {
    let agreements = this.#agreementsFrom.get(source);
    if (!agreements) {
      // Same filter as AccessScope.load: a revocation applies at once, whatever instant it names.
      const rows = await (await this.#referenceData(em)).agreementsGrantedBy(em, source);
      agreements = rows.filter((row) => row.grantee !== source && isInForce(row, this.at));
      this.#agreementsFrom.set(source, agreements);
    }
    return this.#scopesOf(em, [...new Set(agreements.map((agreement) => agreement.grantee))].sort(), source);
  }

  /**
   * Each party with its scope, the agreements granted to it read once per fan-out. An interaction
   * center receives `grantor`'s changes as acting for `grantor`, as its agents would see them: what
   * that grantor granted it, and of its own captures only those made for that grantor — never what
   * it captured for another client, even on the same customer.
   */
  async #scopesOf(em: Em, parties: readonly PartyId[], grantor?: PartyId): Promise<Recipient[]> {
    const kinds = grantor ? await this.#kindsOf(em, parties) : undefined;
    const viewerOf = (party: PartyId): Viewer => (grantor && kinds?.get(party) === 'interaction_center' ? { party, actingFor: grantor } : { party });
    const keyOf = (viewer: Viewer) => `${viewer.party}\u0000${viewer.actingFor ?? ''}`;
    const missing = parties.map(viewerOf).filter((viewer) => !this.#scopes.has(keyOf(viewer)));
    if (missing.length > 0) {
      const reference = await this.#referenceData(em);
      for (const viewer of missing) {
        this.#scopes.set(keyOf(viewer), AccessScope.fromAgreements(viewer, await reference.agreementsGrantedTo(em, viewer.party), this.at));
      }
    }
    return parties.flatMap((party) => {
      const scope = this.#scopes.get(keyOf(viewerOf(party)));
      return scope ? [{ party, scope }] : [];
    });
  }

  /** The kinds of `parties`, read once per fan-out. */
  async #kindsOf(em: Em, parties: readonly PartyId[]): Promise<ReadonlyMap<PartyId, PartyKind>> {
    const missing = parties.filter((party) => !this.#kinds.has(party));
    if (missing.length > 0) {
      for (const row of await (await this.#referenceData(em)).parties(em, missing)) this.#kinds.set(row.id, row.kind);
    }
    return this.#kinds;
  }

  /**
   * One `customer.projected` per recipient and customer it may see. Recipients whose scopes
   * decide alike on every party in the customer's data (and that hold none of its records
   * themselves) get the same payload, so it is built and serialised once per customer and kind
   * of scope; every decision is still the recipient's AccessScope's.
   */
  private customerMessages(
    source: PartyId,
    controller: PartyId,
    recipients: readonly Recipient[],
    customers: ReadonlyMap<string, Date>,
    data: ReadonlyMap<string, CustomerViewData>,
  ): OutgoingMessage[] {
    const messages: OutgoingMessage[] = [];
    const shared = new Map<string, { readonly parties: readonly PartyId[]; readonly bodies: Map<string, string | null> }>();
    for (const { party, scope } of recipients) {
      const decisions = new Map<PartyId, string>();
      for (const [customerId, occurredAt] of customers) {
        const stored = data.get(customerId);
        if (!stored) continue;
        let memo = shared.get(customerId);
        if (!memo) {
          memo = { parties: partiesOf(stored), bodies: new Map() };
          shared.set(customerId, memo);
        }
        const signature = controller === scope.viewer.party ? undefined : projectionSignature(memo.parties, scope, controller, decisions);
        let body = signature === undefined ? undefined : memo.bodies.get(signature);
        if (body === undefined) {
          const view = customerViewOf(stored, scope);
          body = view ? envelopeBody({ type: 'customer.projected', source, customerId, occurredAt }, JSON.stringify(customerProjection(view, scope, controller))) : null;
          if (signature !== undefined) memo.bodies.set(signature, body);
        }
        if (body === null) continue;
        messages.push(outboundMessageWithBody(party, customerId, body));
      }
    }
    return messages;
  }

  /** One `activity.shared` per eligible recipient; the payload differs only by whether the recipient may read the content. */
  private activityMessages(
    source: PartyId,
    recipients: readonly (Recipient & { readonly eligible: readonly { readonly activity: ActivityRow; readonly occurredAt: Date }[] })[],
    data: ReadonlyMap<string, CustomerViewData>,
  ): OutgoingMessage[] {
    const messages: OutgoingMessage[] = [];
    const bodies = new Map<string, { withContent?: string; withoutContent?: string }>();
    for (const { party, scope, eligible } of recipients) {
      for (const { activity, occurredAt } of eligible) {
        // An activity is shared only about a customer the recipient may see at all.
        const stored = data.get(activity.customer);
        if (!stored || !isCustomerVisible(stored, scope)) continue;
        const variants = bodies.get(activity.id) ?? {};
        bodies.set(activity.id, variants);
        const variant = scope.canSeeActivityContent(activity) ? 'withContent' : 'withoutContent';
        variants[variant] ??= envelopeBody(
          { type: 'activity.shared', source, customerId: activity.customer, occurredAt },
          JSON.stringify(sharedActivity(activityView(activity, scope), scope)),
        );
        messages.push(outboundMessageWithBody(party, activity.customer, variants[variant]));
      }
    }
    return messages;
  }

  /**
   * A task goes to the other side of the hand-off: to the assignee when it holds the `tasks`
   * class from the creator, and back to the creator (its own task) when the assignee changed it.
   */
  private taskMessages(source: PartyId, recipients: readonly Recipient[], tasks: readonly { readonly task: TaskRow; readonly occurredAt: Date }[]): OutgoingMessage[] {
    const messages: OutgoingMessage[] = [];
    for (const { task, occurredAt } of tasks) {
      const parties = new Set([task.creator, task.assignee]);
      parties.delete(source);
      for (const party of parties) {
        const allowed =
          party === task.creator || (source === task.creator && recipients.some((recipient) => recipient.party === party && recipient.scope.canSee(source, 'tasks')));
        if (!allowed) continue;
        messages.push(outboundMessage(party, { type: 'task.assigned', source, customerId: task.customer, occurredAt, payload: assignedTask(task) }));
      }
    }
    return messages;
  }
}

/** Every party that contributed to the customer's stored state, and every client it was captured for. */
function partiesOf(data: CustomerViewData): PartyId[] {
  const parties = new Set<PartyId>();
  const add = (party: PartyId, onBehalfOf: PartyId | null | undefined) => {
    parties.add(party);
    if (onBehalfOf) parties.add(onBehalfOf);
  };
  for (const source of data.sources) add(source.party, source.onBehalfOf);
  for (const point of data.points) add(point.sourceParty, point.onBehalfOf);
  for (const address of data.addresses) add(address.sourceParty, address.onBehalfOf);
  for (const link of data.vehicleLinks) add(link.sourceParty, link.onBehalfOf);
  return [...parties];
}

/**
 * What a customer's projection for `scope` depends on: the scope's decision on each data class
 * of the projection for the change's controller and for each contributing party (`decisions` keeps them per
 * party for the batch). Undefined when the recipient holds one of the customer's records itself
 * (its own external ids make its payload its own).
 */
function projectionSignature(parties: readonly PartyId[], scope: AccessScope, controller: PartyId, decisions: Map<PartyId, string>): string | undefined {
  let signature = decisionsOn(controller, scope, decisions);
  for (const party of parties) {
    if (party === scope.viewer.party) return undefined;
    signature += decisionsOn(party, scope, decisions);
  }
  return signature;
}

function decisionsOn(party: PartyId, scope: AccessScope, decisions: Map<PartyId, string>): string {
  let known = decisions.get(party);
  if (known === undefined) {
    known = '';
    for (const section of customerSections) known += scope.canSee(party, section) ? '1' : '0';
    decisions.set(party, known);
  }
  return known;
}

function latest(current: Date | undefined, candidate: Date): Date {
  return current && current > candidate ? current : candidate;
}
