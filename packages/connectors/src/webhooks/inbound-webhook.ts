import type { DecodedInboundEvent, FieldIssue, InboundEventType, PartyId } from '@tandem/schema';
import { decodeInboundEvent, isPhoneRegion, onBehalfOfIn, onBehalfOfRefusal, partyId as partyIdContract, TandemError, topics, ValidationError } from '@tandem/schema';
import {
  domainErrorOfDriver,
  findWebhookEndpoint,
  inboundSecretsAt,
  PartyEntity,
  recordDeadLetter,
  type Em,
  type Orm,
  type PartyRow,
} from '@tandem/core';
import type { Bus, OutgoingMessage } from '../bus/bus.port.js';
import { checkSignatureHeaders, signatureMatches, unauthenticated } from './webhook-signature.js';

/** Largest request body taken (1 MiB); the HTTP layer refuses larger ones before reading them. */
export const maxInboundBodyBytes = 1024 * 1024;
/** Most events in one `{ events: [...] }` request. */
export const maxInboundEvents = 500;

export interface InboundWebhookDeps {
  readonly orm: Orm;
  /** Accepted events are published to the party's inbound topic, durably, before the call resolves. */
  readonly bus: Bus;
  /** The hub's clock for the replay window and secret grace (default: the system clock). */
  readonly clock?: () => Date;
  /** Replay window in seconds (default 300). */
  readonly toleranceSeconds?: number;
}

/** A partner's request as the HTTP layer hands it over: the exact body bytes and the two signature headers. */
export interface InboundWebhookRequest {
  /** `:party` of the URL. */
  readonly party: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly body: Uint8Array;
  /** Names the request in dead letters and logs. */
  readonly requestId: string;
}

export interface InboundWebhookOptions {
  /** The event types this route takes (default: every inbound type). */
  readonly types?: readonly InboundEventType[];
}

export interface AcceptedEvents {
  /** Event ids in request order. Each is durable on the bus; one already applied is skipped by the pipeline's inbox. */
  readonly accepted: string[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Takes a signed partner request: one event envelope, or `{ events: [envelope, …] }` (at most
 * 500). Order of checks: signature headers and the replay window, then the party's endpoint and
 * HMAC (401 for any failure: nothing is stored of an unauthenticated request); then every
 * envelope is decoded with its contract, phones read in the party's country, `source` must be
 * the party.
 *
 * All or nothing: when any event is invalid, none is published and the ValidationError names
 * every bad field by index (`events.3.payload.phones.0.value`), so the partner fixes and resends
 * the same request. The refused body is kept as one dead letter (source `webhook`, with the
 * request id) so the failure is visible to the hub's operators too. Otherwise all events are
 * published to `tandem.in.<party>.v1` in request order and the call resolves only once the bus
 * holds them: accepted means durable.
 */
export async function acceptInboundEvents(deps: InboundWebhookDeps, request: InboundWebhookRequest, options: InboundWebhookOptions = {}): Promise<AcceptedEvents> {
  const now = deps.clock?.() ?? new Date();
  const { timestamp, candidates } = checkSignatureHeaders(request, { now, ...(deps.toleranceSeconds === undefined ? {} : { toleranceSeconds: deps.toleranceSeconds }) });
  // One answer for an unknown party, a disabled endpoint and a wrong signature: a caller without the secret learns nothing.
  const invalid = () => unauthenticated('INVALID_SIGNATURE', 'Tandem-Signature does not match the request');
  if (!partyIdContract.safeParse(request.party).success) throw invalid();
  const party: PartyId = request.party;
  const em = deps.orm.em.fork() as Em;
  const { endpoint, sender } = await loadParty(em, party);
  if (!endpoint || !endpoint.enabled || !sender) throw invalid();
  if (!signatureMatches(candidates, inboundSecretsAt(endpoint, now), timestamp, request.body)) throw invalid();

  let messages: OutgoingMessage[];
  try {
    if (request.body.byteLength > maxInboundBodyBytes) {
      throw new ValidationError([{ path: '', message: `is ${request.body.byteLength} bytes; at most ${maxInboundBodyBytes} per request` }], 'BODY_TOO_LARGE');
    }
    messages = decodeRequest(request.body, sender, options.types);
  } catch (error) {
    if (error instanceof ValidationError) await keepRefused(em, party, request, error, now);
    throw error;
  }
  try {
    await deps.bus.publish(messages);
  } catch (error) {
    if (error instanceof TandemError) throw error;
    throw new TandemError('UNAVAILABLE', 'BUS_UNAVAILABLE', 'The hub could not store the events; none was accepted, send the request again', { cause: error });
  }
  return { accepted: messages.map((message) => message.headers!['event-id']!) };
}

async function loadParty(em: Em, party: PartyId) {
  try {
    const [endpoint, sender] = await Promise.all([findWebhookEndpoint(em, party), em.findOne(PartyEntity, { id: party }, { fields: ['id', 'kind', 'country', 'clients'] })]);
    return { endpoint, sender };
  } catch (error) {
    throw domainErrorOfDriver(error) ?? error;
  }
}

/** Decodes the body into inbound-topic messages, or throws one ValidationError naming every bad field. */
function decodeRequest(body: Uint8Array, sender: Pick<PartyRow, 'id' | 'kind' | 'country' | 'clients'>, types: readonly InboundEventType[] | undefined): OutgoingMessage[] {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(body));
  } catch (error) {
    throw new ValidationError([{ path: '', message: `is not valid JSON (${(error as Error).message})` }], 'MALFORMED_JSON');
  }
  const isBatch = isObject(json) && 'events' in json;
  let items: readonly unknown[];
  if (isObject(json) && 'events' in json) {
    const events: unknown = json.events;
    if (!Array.isArray(events)) throw new ValidationError([{ path: 'events', message: 'must be an array of event envelopes' }], 'INVALID_BODY');
    if (events.length === 0) throw new ValidationError([{ path: 'events', message: 'must hold at least one event' }], 'INVALID_BODY');
    if (events.length > maxInboundEvents) {
      throw new ValidationError([{ path: 'events', message: `holds ${events.length} events; at most ${maxInboundEvents} per request` }], 'TOO_MANY_EVENTS');
    }
    items = events;
  } else {
    items = [json];
  }

  const region = isPhoneRegion(sender.country) ? { defaultRegion: sender.country } : {};
  const issues: FieldIssue[] = [];
  const messages: OutgoingMessage[] = [];
  items.forEach((item, index) => {
    const at = (path: string) => [isBatch ? `events.${index}` : '', path].filter(Boolean).join('.');
    if (!isObject(item)) {
      issues.push({ path: at(''), message: 'must be an event envelope object' });
      return;
    }
    let event: DecodedInboundEvent;
    try {
      event = decodeInboundEvent(item, region);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues.map((issue) => ({ path: at(issue.path), message: issue.message })));
      return;
    }
    const before = issues.length;
    if (types && !types.includes(event.type)) issues.push({ path: at('type'), message: `${event.type} is not taken here (only ${types.join(', ')})` });
    if (event.source !== sender.id) issues.push({ path: at('source'), message: `is ${event.source}, but the request was signed by ${sender.id}` });
    // The pipeline would dead-letter it; refusing here tells the partner at once.
    const refusal = onBehalfOfRefusal(sender, event.type, onBehalfOfIn(event.payload));
    if (refusal) issues.push({ path: at(`payload.${refusal.issue.path}`), message: refusal.issue.message });
    if (issues.length > before) return;
    messages.push({
      topic: topics.inbound(sender.id),
      key: event.key,
      // The envelope as the partner wrote it: the pipeline decodes it again, and a dead letter there keeps these bytes.
      value: isBatch ? JSON.stringify(item) : body,
      headers: { 'event-id': event.id },
    });
  });
  if (issues.length > 0) throw new ValidationError(issues, 'INVALID_EVENTS');
  return messages;
}

/** The refused request, byte for byte, as a dead letter: an authenticated partner's failure must be visible at the hub. */
async function keepRefused(em: Em, party: PartyId, request: InboundWebhookRequest, error: ValidationError, at: Date): Promise<void> {
  try {
    recordDeadLetter(
      em,
      {
        source: { kind: 'webhook', party, requestId: request.requestId },
        party,
        originalBytes: request.body,
        errorCode: error.code,
        errorMessage: error.message,
        issues: error.issues,
      },
      at,
    );
    await em.flush();
  } catch (cause) {
    throw domainErrorOfDriver(cause) ?? cause;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
