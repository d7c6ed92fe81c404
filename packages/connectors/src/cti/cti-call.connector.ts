import type { AcceptedEvents, InboundWebhookDeps, InboundWebhookRequest } from '../webhooks/inbound-webhook.js';
import { acceptInboundEvents } from '../webhooks/inbound-webhook.js';

/** The only event type the CTI route takes. */
export const ctiEventTypes = ['call.event'] as const;

/**
 * Takes call events (ringing, answered, ended) from an interaction center's telephony over
 * HTTP: a telephony system is a partner system, so the request is signed exactly like a webhook
 * (`Tandem-Timestamp`, `Tandem-Signature` with the party's inbound secret). The body is one
 * `call.event` v1 envelope or `{ events: [...] }`; phone numbers in national format are read in
 * the party's country and normalised to E.164. Accepted events go to the party's inbound topic
 * like any other, where the ingest pipeline stores them (`recordCallEvent`) and resolves the
 * caller to a customer. Over Kafka the same envelope is simply produced to `tandem.in.<party>.v1`.
 */
export function acceptCallEvents(deps: InboundWebhookDeps, request: InboundWebhookRequest): Promise<AcceptedEvents> {
  return acceptInboundEvents(deps, request, { types: ctiEventTypes });
}
