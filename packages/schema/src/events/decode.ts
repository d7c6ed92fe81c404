import type { CountryCode } from 'libphonenumber-js/max';
import { ValidationError } from '../errors/tandem-error.js';
import { fieldIssuesFromZod } from '../errors/zod-issues.js';
import { eventEnvelope, type EventEnvelope } from './envelope.js';
import { inboundPayloads, type InboundEvent } from './inbound-events.js';

export type DecodedInboundEvent = EventEnvelope & InboundEvent;

export interface DecodeContext {
  /** Region for national-format phone numbers: the sending party's country. */
  readonly defaultRegion?: CountryCode;
}

const payloadsByRegion = new Map<string, ReturnType<typeof inboundPayloads>>();
function payloadsFor(region: CountryCode | undefined) {
  const key = region ?? '';
  let payloads = payloadsByRegion.get(key);
  if (!payloads) {
    payloads = inboundPayloads(region);
    payloadsByRegion.set(key, payloads);
  }
  return payloads;
}

/**
 * Decodes one inbound message (raw bytes or parsed JSON) against the envelope and its payload
 * contract. Throws a ValidationError naming every bad field; codes: MALFORMED_JSON,
 * INVALID_ENVELOPE, UNKNOWN_EVENT_TYPE, INVALID_PAYLOAD.
 */
export function decodeInboundEvent(message: Uint8Array | string | object, context: DecodeContext = {}): DecodedInboundEvent {
  const json = typeof message === 'object' && !(message instanceof Uint8Array) ? message : parseJson(message);
  const envelope = eventEnvelope.safeParse(json);
  if (!envelope.success) throw new ValidationError(fieldIssuesFromZod(envelope.error), 'INVALID_ENVELOPE');
  const { type, version } = envelope.data;
  const versions = (payloadsFor(context.defaultRegion) as Record<string, Record<number, import('zod').ZodType>>)[type];
  const schema = versions?.[version];
  if (!schema) {
    const known = versions ? `versions ${Object.keys(versions).join(', ')}` : 'no such type';
    throw new ValidationError([{ path: 'type', message: `${type} v${version} is not an inbound event (${known})` }], 'UNKNOWN_EVENT_TYPE');
  }
  const payload = schema.safeParse(envelope.data.payload);
  if (!payload.success) throw new ValidationError(fieldIssuesFromZod(payload.error, 'payload'), 'INVALID_PAYLOAD');
  return { ...envelope.data, payload: payload.data } as DecodedInboundEvent;
}

function parseJson(message: Uint8Array | string): unknown {
  try {
    // Decoding is inside the try: bytes that are not UTF-8 are malformed too, not a crash of the consumer.
    const text = typeof message === 'string' ? message : new TextDecoder('utf-8', { fatal: true }).decode(message);
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError([{ path: '', message: `is not valid JSON (${(error as Error).message})` }], 'MALFORMED_JSON');
  }
}
