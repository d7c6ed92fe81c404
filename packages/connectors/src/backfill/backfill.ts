import type { PartyId } from '@tandem/schema';
import {
  AccessScope,
  ActivityEntity,
  activityView,
  loadCustomerViews,
  PartyEntity,
  SharingAgreementEntity,
  SourceRecordEntity,
  type Em,
  type Orm,
} from '@tandem/core';
import { TandemError } from '@tandem/schema';
import { appendToLog } from '../embedded/embedded-log.bus.js';
import { customerProjection, customerSections, outboundMessage, sharedActivity } from '../fan-out/projection.js';
import type { OutgoingMessage } from '../bus/bus.port.js';

export interface BackfillOptions {
  readonly orm: Orm;
  /** The newly granted party that receives the backfill. */
  readonly recipient: PartyId;
  /** Only this grantor's data (default: every party that grants the recipient something now). */
  readonly grantor?: PartyId;
  /** Customers per transaction (default 200). */
  readonly pageSize?: number;
  readonly onProgress?: (progress: { readonly grantor: PartyId; readonly customers: number; readonly messages: number }) => void;
  readonly at?: Date;
}

export interface BackfillResult {
  readonly customers: number;
  readonly messages: number;
}

/**
 * Sends a party everything its agreements in force now grant it of each grantor's customers —
 * a `customer.projected` per customer and an `activity.shared` per visible activity — through
 * the outbox to `tandem.out.<recipient>.v1`, exactly as the live fan-out would have. Pages by
 * customer id, one transaction per page, so a large grantor streams in constant memory.
 */
export async function backfillParty(options: BackfillOptions): Promise<BackfillResult> {
  const at = options.at ?? new Date();
  const pageSize = options.pageSize ?? 200;
  const setupEm = options.orm.em.fork() as Em;
  if (!(await setupEm.findOne(PartyEntity, { id: options.recipient }))) {
    throw new TandemError('NOT_FOUND', 'UNKNOWN_PARTY', `--party: party ${options.recipient} is not registered`);
  }
  const scope = await AccessScope.load(setupEm, { party: options.recipient }, at);
  const agreements = await setupEm.find(SharingAgreementEntity, { grantee: options.recipient, revokedAt: null });
  const grantors = [...new Set(agreements.map((agreement) => agreement.grantor))]
    .filter((grantor) => (options.grantor ? grantor === options.grantor : true))
    .filter((grantor) => scope.classesFrom(grantor).size > 0)
    .sort();
  if (options.grantor && grantors.length === 0) {
    throw new TandemError('BAD_INPUT', 'NOTHING_GRANTED', `--grantor: ${options.grantor} grants ${options.recipient} nothing in force`);
  }
  let customers = 0;
  let messages = 0;
  for (const grantor of grantors) {
    let after: string | undefined;
    for (;;) {
      const page = await options.orm.em.fork().transactional(async (em) => {
        const links = await em.find(
          SourceRecordEntity,
          // The grantor's records, and those interaction centers hold on its behalf (its data: see `controllerOf`).
          { $or: [{ party: grantor, onBehalfOf: null }, { onBehalfOf: grantor }], deletedAt: null, ...(after ? { customer: { $gt: after } } : {}) },
          { orderBy: { customer: 'asc' }, limit: pageSize, fields: ['customer'] },
        );
        const ids = [...new Set(links.map((link) => link.customer))];
        const out = await projectPage(em as Em, scope, grantor, ids, at);
        await appendToLog(em as Em, out);
        return { ids, count: out.length, last: links.at(-1)?.customer };
      });
      customers += page.ids.length;
      messages += page.count;
      options.onProgress?.({ grantor, customers, messages });
      if (!page.last || page.ids.length === 0) break;
      after = page.last;
    }
  }
  return { customers, messages };
}

async function projectPage(em: Em, scope: AccessScope, grantor: PartyId, ids: readonly string[], at: Date): Promise<OutgoingMessage[]> {
  if (ids.length === 0) return [];
  const recipient = scope.viewer.party;
  const out: OutgoingMessage[] = [];
  if (customerSections.some((section) => scope.canSee(grantor, section))) {
    const views = await loadCustomerViews(em, scope, ids);
    for (const id of ids) {
      const view = views.get(id);
      if (view) out.push(outboundMessage(recipient, { type: 'customer.projected', source: grantor, customerId: id, occurredAt: at, payload: customerProjection(view, scope, grantor) }));
    }
  }
  const activities = await em.find(
    ActivityEntity,
    { customer: { $in: [...ids] }, $or: [{ party: grantor, onBehalfOf: null }, { onBehalfOf: grantor }] },
    { orderBy: [{ customer: 'asc' }, { occurredAt: 'asc' }, { id: 'asc' }] },
  );
  for (const activity of activities) {
    if (!scope.canSeeActivity(activity)) continue;
    const payload = sharedActivity(activityView(activity, scope), scope);
    out.push(outboundMessage(recipient, { type: 'activity.shared', source: activity.party, customerId: activity.customer, occurredAt: activity.occurredAt, payload }));
  }
  return out;
}
