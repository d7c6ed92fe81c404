import type { FieldIssue } from '../errors/tandem-error.js';
import type { InboundEventType } from '../events/inbound-events.js';
import type { PartyId } from '../common/common.contract.js';
import type { PartyKind } from './party.contract.js';

/** The sending party as the rule needs it. */
export interface OnBehalfOfSender {
  readonly id: string;
  readonly kind: PartyKind;
  /** Interaction centers: the client parties they act for. */
  readonly clients: readonly string[];
}

/**
 * Events whose data an interaction center only ever captures for a client: a center holds no
 * customer records of its own, so each must name the client whose data it is.
 */
const capturedForAClient: ReadonlySet<InboundEventType> = new Set(['contact.upserted', 'contact.deleted']);

export interface OnBehalfOfRefusal {
  readonly code: 'NOT_A_CLIENT' | 'ON_BEHALF_OF_REQUIRED';
  /** `path` is `onBehalfOf`, relative to the payload. */
  readonly issue: FieldIssue;
}

/**
 * Why an event's `onBehalfOf` cannot be taken from `sender`, or undefined. It must name one of
 * the sender's clients when given (only interaction centers have clients), and an interaction
 * center must give it on contact data (other parties act for themselves). The one rule for every
 * inbound path: the ingest pipeline, inbound webhooks and bulk import.
 */
export function onBehalfOfRefusal(
  sender: OnBehalfOfSender,
  type: InboundEventType,
  onBehalfOf: PartyId | undefined,
): OnBehalfOfRefusal | undefined {
  if (onBehalfOf !== undefined) {
    if (sender.clients.includes(onBehalfOf)) return undefined;
    return { code: 'NOT_A_CLIENT', issue: { path: 'onBehalfOf', message: `${sender.id} does not act on behalf of ${onBehalfOf}` } };
  }
  if (sender.kind === 'interaction_center' && capturedForAClient.has(type)) {
    const message = `is required: ${sender.id} is an interaction center and captures contact data only for one of its clients (${sender.clients.join(', ')})`;
    return { code: 'ON_BEHALF_OF_REQUIRED', issue: { path: 'onBehalfOf', message } };
  }
  return undefined;
}

/** The payload's `onBehalfOf`, for events whose contract has one. */
export function onBehalfOfIn(payload: object): PartyId | undefined {
  return 'onBehalfOf' in payload ? (payload.onBehalfOf as PartyId | undefined) : undefined;
}
