import { raw } from '@mikro-orm/core';
import type { Em } from '../database/orm.js';
import type { AccessScope } from '../sharing/access-scope.js';
import { activityView, visibleCustomerIds, type ActivityView, type TimelineCursor, type TimelinePage } from '../customers/customer-view.service.js';
import { ActivityEntity, type ActivityRow } from './activity.entity.js';

export interface TimelinePageRequest {
  readonly first: number;
  readonly after?: TimelineCursor;
}

/**
 * The same page (`first` after `after`) of several customers' timelines in ONE query, whatever
 * the number of customers or activities: a window function ranks each customer's visible
 * activities newest first and keeps `first + 1` per customer. Visibility is the scope's
 * `activityFilter` (the rule `loadTimeline` applies); customers without activities get an empty page.
 */
export async function loadTimelines(em: Em, scope: AccessScope, customerIds: readonly string[], page: TimelinePageRequest): Promise<Map<string, TimelinePage>> {
  const ids = [...new Set(customerIds)];
  const pages = new Map<string, TimelinePage>(ids.map((id) => [id, { activities: [], hasNextPage: false }]));
  if (ids.length === 0) return pages;
  const cursor = page.after
    ? { $or: [{ occurredAt: { $lt: page.after.occurredAt } }, { occurredAt: page.after.occurredAt, id: { $lt: page.after.id } }] }
    : {};
  const ranked = em
    .createQueryBuilder(ActivityEntity, 'a')
    .select(['a.*', raw('row_number() over (partition by a.customer_id order by a.occurred_at desc, a.id desc) as timeline_rank')])
    .where({ $and: [{ customer: { $in: ids } }, scope.activityFilter(), cursor] });
  const rows: ActivityRow[] = await em
    .createQueryBuilder(ActivityEntity, 't')
    .select('t.*')
    .from(ranked, 't')
    .where('t.timeline_rank <= ?', [page.first + 1])
    .orderBy([{ customer: 'asc' }, { occurredAt: 'desc' }, { id: 'desc' }])
    .getResultList();
  const byCustomer = new Map<string, ActivityRow[]>();
  for (const row of rows) byCustomer.set(row.customer, [...(byCustomer.get(row.customer) ?? []), row]);
  for (const [id, list] of byCustomer) {
    pages.set(id, { activities: list.slice(0, page.first).map((row) => activityView(row, scope)), hasNextPage: list.length > page.first });
  }
  return pages;
}

/**
 * Activities by id as the viewer's timelines show them: an activity is there when the viewer may
 * see it and its customer; unknown and forbidden ids are both absent (uniform denial). Two queries
 * for any number of ids.
 */
export async function loadActivityViewsById(em: Em, scope: AccessScope, ids: readonly string[]): Promise<Map<string, ActivityView>> {
  const views = new Map<string, ActivityView>();
  const unique = [...new Set(ids)];
  if (unique.length === 0) return views;
  const rows = await em.find(ActivityEntity, { $and: [{ id: { $in: unique } }, scope.activityFilter()] });
  const customers = await visibleCustomerIds(em, scope, rows.map((row) => row.customer));
  for (const row of rows) if (customers.has(row.customer)) views.set(row.id, activityView(row, scope));
  return views;
}
