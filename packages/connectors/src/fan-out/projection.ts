import { v7 as uuidv7 } from 'uuid';
import type { ActivitySharedV1, CustomerProjectedV1, OutboundEventType, PartyId } from '@tandem/schema';
import { topics, type taskAssignedV1 } from '@tandem/schema';
import type { AccessScope, ActivityView, CustomerView, TaskRow } from '@tandem/core';
import type { OutgoingMessage } from '../bus/bus.port.js';

export type TaskAssignedV1 = ReturnType<(typeof taskAssignedV1)['parse']>;

/** Payload type of each outbound event, version 1. */
export interface OutboundPayloadsV1 {
  'customer.projected': CustomerProjectedV1;
  'activity.shared': ActivitySharedV1;
  'task.assigned': TaskAssignedV1;
}

/** The data classes that make up `customer.projected`, one section each. */
export const customerSections = ['identity', 'contact', 'vehicles'] as const;

/**
 * What the recipient of `scope` receives about a customer after a change whose data `controller`
 * controls (the source, or the client an interaction center acted for): the sections whose data
 * class the recipient's agreements from `controller` grant, each filled from the
 * recipient's own customer view (the same view the API serves). Sections not granted are absent,
 * not empty.
 */
export function customerProjection(view: CustomerView, scope: AccessScope, controller: PartyId): CustomerProjectedV1 {
  const projection: CustomerProjectedV1 = {
    customerId: view.id,
    yourExternalIds: view.sources.filter((record) => record.party === scope.viewer.party).map((record) => record.externalId),
  };
  if (scope.canSee(controller, 'identity')) {
    const { kind, givenName, familyName, companyName, preferredLanguage } = view;
    projection.identity = { kind, givenName, familyName, companyName, preferredLanguage };
  }
  if (scope.canSee(controller, 'contact')) {
    projection.contact = {
      phones: view.phones.map(({ value, label }) => ({ value, label })),
      emails: view.emails.map(({ value, label }) => ({ value, label })),
      addresses: view.addresses.map(({ street, postalCode, city, country, label }) => ({ street, postalCode, city, country, label })),
    };
  }
  if (scope.canSee(controller, 'vehicles')) {
    projection.vehicles = view.vehicles.map(({ vin, brand, model, registrationDate, relation }) => ({
      vin,
      brand,
      model,
      ...(registrationDate ? { registrationDate } : {}),
      relation,
    }));
  }
  return projection;
}

/** An activity as a recipient sees it; `content` is present only under the `content` data class. */
export function sharedActivity(view: ActivityView, scope: AccessScope): ActivitySharedV1 {
  return {
    customerId: view.customerId,
    activityId: view.id,
    party: view.sourceParty,
    channel: view.channel,
    direction: view.direction,
    occurredAt: view.occurredAt.toISOString(),
    durationSeconds: view.durationSeconds,
    subject: view.subject,
    outcome: view.outcome,
    ...(scope.canSeeActivityContent({ party: view.sourceParty, onBehalfOf: view.onBehalfOf }) ? { content: view.content } : {}),
    onBehalfOf: view.onBehalfOf,
  };
}

export function assignedTask(task: TaskRow): TaskAssignedV1 {
  return {
    taskId: task.id,
    customerId: task.customer,
    creator: task.creator,
    assignee: task.assignee,
    kind: task.kind,
    title: task.title,
    description: task.description ?? null,
    dueAt: task.dueAt ? task.dueAt.toISOString() : null,
    status: task.status,
  };
}

/**
 * One outbound message to `recipient`: a version 1 envelope with a new event id (UUID v7, also
 * in the `event-id` header), `source` the party whose change caused it, keyed by the golden
 * customer id so a recipient sees each customer's events in order.
 */
export function outboundMessage<T extends OutboundEventType>(
  recipient: PartyId,
  event: { readonly type: T; readonly source: PartyId; readonly customerId: string; readonly occurredAt: Date; readonly payload: OutboundPayloadsV1[T] },
): OutgoingMessage {
  return outboundMessageWithBody(recipient, event.customerId, envelopeBody(event, JSON.stringify(event.payload)));
}

/**
 * An outbound message whose envelope, after its id, is `body` (see `envelopeBody`): recipients of
 * the same payload share one serialisation. The text is exactly what `JSON.stringify` makes of
 * the envelope object.
 */
export function outboundMessageWithBody(recipient: PartyId, customerId: string, body: string): OutgoingMessage {
  const id = uuidv7();
  return { topic: topics.outbound(recipient), key: customerId, value: `{"id":"${id}"${body}`, headers: { 'event-id': id } };
}

/** The envelope after its id, for a payload already serialised with `JSON.stringify`. */
export function envelopeBody(
  event: { readonly type: OutboundEventType; readonly source: PartyId; readonly customerId: string; readonly occurredAt: Date },
  payload: string,
): string {
  return (
    `,"type":${JSON.stringify(event.type)},"version":1,"occurredAt":"${event.occurredAt.toISOString()}",` +
    `"source":${JSON.stringify(event.source)},"key":${JSON.stringify(event.customerId)},"payload":${payload}}`
  );
}
