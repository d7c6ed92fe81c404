import type { PartyId } from '@tandem/schema';
import {
  AccessScope,
  activityView,
  isInForce,
  loadCustomerViews,
  SharingAgreementEntity,
  visibleCustomerIds,
  type ActivityRow,
  type Em,
  type SharingAgreementRow,
  type TaskRow,
} from '@tandem/core';
import type { OutgoingMessage } from '../bus/bus.port.js';
import { assignedTask, customerProjection, customerSections, outboundMessage, sharedActivity } from './projection.js';

/** A change a party's event made to the hub's state, as far as other parties may hear of it. */
export type SyncChange =
  | { readonly kind: 'customer'; readonly customerId: string; readonly occurredAt: Date }
  | { readonly kind: 'activity'; readonly activity: ActivityRow; readonly occurredAt: Date }
  | { readonly kind: 'task'; readonly task: TaskRow; readonly occurredAt: Date };

interface Recipient {
  readonly party: PartyId;
  readonly scope: AccessScope;
}

/**
 * Turns the changes a source party caused into outbound messages for the parties allowed to
 * receive them. Recipients are the grantees of agreements in force FROM the source (never the
 * source itself); what each receives is decided by its AccessScope, the same policy every read
 * path uses. One instance per consumed batch: agreements are loaded once, at one instant (`at`),
 * so a revocation stops the flow from the next batch on.
 */
export class OutboundFanOut {
  readonly #agreementsFrom = new Map<PartyId, readonly SharingAgreementRow[]>();
  readonly #scopes = new Map<PartyId, AccessScope>();

  constructor(readonly at: Date) {}

  /**
   * Messages for `changes`, in order: customer projections (one per customer and recipient, of
   * the state after all changes), then shared activities, then tasks.
   */
  async project(em: Em, source: PartyId, changes: readonly SyncChange[]): Promise<OutgoingMessage[]> {
    if (changes.length === 0) return [];
    const customers = new Map<string, Date>();
    const activities = new Map<string, { readonly activity: ActivityRow; readonly occurredAt: Date }>();
    const tasks = new Map<string, { readonly task: TaskRow; readonly occurredAt: Date }>();
    for (const change of changes) {
      if (change.kind === 'customer') customers.set(change.customerId, latest(customers.get(change.customerId), change.occurredAt));
      else if (change.kind === 'activity') activities.set(change.activity.id, change);
      else tasks.set(change.task.id, change);
    }
    const recipients = await this.recipientsOf(em, source);
    return [
      ...(await this.customerMessages(em, source, recipients, customers)),
      ...(await this.activityMessages(em, source, await this.activityRecipients(em, source, recipients, activities), [...activities.values()])),
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

  /** Parties holding an agreement in force from `source`, each with its scope. */
  async recipientsOf(em: Em, source: PartyId): Promise<Recipient[]> {
    let agreements = this.#agreementsFrom.get(source);
    if (!agreements) {
      // Same filter as AccessScope.load: a revocation applies at once, whatever instant it names.
      const rows = await em.find(SharingAgreementEntity, { grantor: source, revokedAt: null });
      agreements = rows.filter((row) => row.grantee !== source && isInForce(row, this.at));
      this.#agreementsFrom.set(source, agreements);
    }
    const parties = [...new Set(agreements.map((agreement) => agreement.grantee))].sort();
    const missing = parties.filter((party) => !this.#scopes.has(party));
    if (missing.length > 0) {
      const granted = await em.find(SharingAgreementEntity, { grantee: { $in: missing }, revokedAt: null });
      for (const party of missing) {
        const own = granted.filter((agreement) => agreement.grantee === party);
        this.#scopes.set(party, AccessScope.fromAgreements({ party }, own, this.at));
      }
    }
    return parties.flatMap((party) => {
      const scope = this.#scopes.get(party);
      return scope ? [{ party, scope }] : [];
    });
  }

  private async customerMessages(em: Em, source: PartyId, recipients: readonly Recipient[], customers: ReadonlyMap<string, Date>): Promise<OutgoingMessage[]> {
    if (customers.size === 0) return [];
    const messages: OutgoingMessage[] = [];
    for (const { party, scope } of recipients) {
      if (!customerSections.some((section) => scope.canSee(source, section))) continue;
      const views = await loadCustomerViews(em, scope, [...customers.keys()]);
      for (const [customerId, occurredAt] of customers) {
        const view = views.get(customerId);
        if (!view) continue;
        const payload = customerProjection(view, scope, source);
        messages.push(outboundMessage(party, { type: 'customer.projected', source, customerId, occurredAt, payload }));
      }
    }
    return messages;
  }

  private async activityMessages(
    em: Em,
    source: PartyId,
    recipients: readonly Recipient[],
    activities: readonly { readonly activity: ActivityRow; readonly occurredAt: Date }[],
  ): Promise<OutgoingMessage[]> {
    if (activities.length === 0) return [];
    const messages: OutgoingMessage[] = [];
    for (const { party, scope } of recipients) {
      const eligible = activities.filter(({ activity }) => activity.party === source && scope.canSeeActivity(activity));
      if (eligible.length === 0) continue;
      // An activity is shared only about a customer the recipient may see at all.
      const visible = await visibleCustomerIds(em, scope, [...new Set(eligible.map(({ activity }) => activity.customer))]);
      for (const { activity, occurredAt } of eligible) {
        if (!visible.has(activity.customer)) continue;
        const payload = sharedActivity(activityView(activity, scope), scope);
        messages.push(outboundMessage(party, { type: 'activity.shared', source, customerId: activity.customer, occurredAt, payload }));
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

function latest(current: Date | undefined, candidate: Date): Date {
  return current && current > candidate ? current : candidate;
}
