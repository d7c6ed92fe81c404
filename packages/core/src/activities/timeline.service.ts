import type { Em } from '../database/orm.js';
import { RowReader } from '../database/read-rows.js';
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
 * activities newest first and keeps `first + 1` per customer (for one customer, a plain
 * `limit` on the timeline index). Visibility is the scope's `activityFilter` (the rule
 * `loadTimeline` applies); customers without activities get an empty page.
 */
export async function loadTimelines(em: Em, scope: AccessScope, customerIds: readonly string[], page: TimelinePageRequest): Promise<Map<string, TimelinePage>> {
  const ids = [...new Set(customerIds)];
  const pages = new Map<string, TimelinePage>(ids.map((id) => [id, { activities: [], hasNextPage: false }]));
  if (ids.length === 0) return pages;
  const reader = new RowReader(em);
  const visibility = reader.where(ActivityEntity, scope.activityFilter(), 'a');
  const conditions = [`(${visibility.sql})`];
  const params: unknown[] = [...visibility.params];
  if (page.after) {
    const at = reader.datetime(page.after.occurredAt);
    conditions.push('(a."occurred_at" < ? or (a."occurred_at" = ? and a."id" < ?))');
    params.push(at, at, page.after.id);
  }
  const newestFirst = 'a."occurred_at" desc, a."id" desc';
  // One customer (the 360 screen): the (customer, time, id) index walked backwards, stopping at the page's end.
  const raw =
    ids.length === 1
      ? await reader.query<Record<string, unknown>>(
          `select a.* from "activity" a where a."customer_id" = ? and ${conditions.join(' and ')} order by ${newestFirst} limit ?`,
          [ids[0], ...params, page.first + 1],
        )
      : await reader.query<Record<string, unknown>>(
          `select * from (select a.*, row_number() over (partition by a."customer_id" order by ${newestFirst}) as "timeline_rank" ` +
            `from "activity" a where a."customer_id" in (${ids.map(() => '?').join(', ')}) and ${conditions.join(' and ')}) t ` +
            `where t."timeline_rank" <= ? order by t."customer_id" asc, t."occurred_at" desc, t."id" desc`,
          [...ids, ...params, page.first + 1],
        );
  const byCustomer = new Map<string, ActivityRow[]>();
  for (const item of raw) {
    const row = reader.decode<ActivityRow>(ActivityEntity, item);
    const list = byCustomer.get(row.customer);
    if (list) list.push(row);
    else byCustomer.set(row.customer, [row]);
  }
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
