import { v7 as uuidv7 } from 'uuid';
import type { CallEvent, PartyId } from '@tandem/schema';
import type { Em } from '../database/orm.js';
import { ContactPointEntity } from '../customers/contact-point.entity.js';
import { canSeeValue, visibleCustomerIds } from '../customers/customer-view.service.js';
import { AccessScope } from '../sharing/access-scope.js';
import { CallEventEntity, type CallEventRow } from './call-event.entity.js';

/**
 * Stores a CTI event of an interaction center (idempotent per party, call and state) and links
 * it to the caller's customer when the E.164 caller number identifies exactly one.
 */
export async function recordCallEvent(em: Em, party: PartyId, event: CallEvent, at = new Date()): Promise<CallEventRow> {
  const customer = (await customerByPhone(em, { party, actingFor: event.onBehalfOf }, event.callerNumber, at)) ?? null;
  const facts = {
    at: event.at,
    callerNumber: event.callerNumber,
    dialledNumber: event.dialledNumber,
    agent: event.agent ?? null,
    onBehalfOf: event.onBehalfOf ?? null,
    customer,
  };
  const existing = await em.findOne(CallEventEntity, { party, callId: event.callId, state: event.state });
  if (existing) {
    em.assign(existing, facts);
    return existing;
  }
  return em.create(CallEventEntity, { id: uuidv7(), party, callId: event.callId, state: event.state, ...facts });
}

/**
 * The customer a phone number (E.164) belongs to, among the customers the viewer may see — for an
 * agent acting for a client, that client's customers only — matched through the phones the viewer
 * sees (a number only another party recorded identifies nobody). Undefined when none or several match:
 * a shared family line must not pop the wrong person.
 */
export async function customerByPhone(
  em: Em,
  viewer: { readonly party: PartyId; readonly actingFor?: PartyId | undefined },
  phone: string,
  at = new Date(),
): Promise<string | undefined> {
  const points = await em.find(ContactPointEntity, { type: 'phone', value: phone }, { fields: ['customer', 'sourceParty', 'onBehalfOf'] });
  if (points.length === 0) return undefined;
  const scope = await AccessScope.load(em, viewer.actingFor ? { party: viewer.party, actingFor: viewer.actingFor } : { party: viewer.party }, at);
  const candidates = [...new Set(points.filter((point) => canSeeValue(scope, point, 'contact')).map((point) => point.customer))];
  const visible = await visibleCustomerIds(em, scope, candidates);
  return visible.size === 1 ? [...visible][0] : undefined;
}
