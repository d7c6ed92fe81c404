import DataLoader from 'dataloader';
import { createContextCache } from '@pothos/core';
import type { ArgumentationAidRow, ConsentView, TaskView, TimelineCursor, TimelinePage } from '@tandem/core';
import { loadConsentViews, loadOpenTaskViews, loadTimelines } from '@tandem/core';
import type { GraphQLContext } from './context.js';

/**
 * Per-request batch loaders of the customer-360 relations: every customer of a response is
 * served by one query per relation (consent, open tasks, timeline page, aids), however many
 * customers a search returned. Each result is noted in the request's access trail.
 */
export const customer360Loaders = createContextCache((context: GraphQLContext) => ({
  consent: new DataLoader<string, readonly ConsentView[]>(async (ids) => {
    const scope = await context.scope();
    const views = await loadConsentViews(context.em, scope, ids);
    return ids.map((id) => {
      const list = views.get(id) ?? [];
      context.accessTrail?.noteSourced('consent', list);
      return list;
    });
  }),
  openTasks: new DataLoader<string, readonly TaskView[]>(async (ids) => {
    const scope = await context.scope();
    const views = await loadOpenTaskViews(context.em, scope, ids);
    return ids.map((id) => {
      const list = views.get(id) ?? [];
      // A task made for a client is the client's data: its agreement is the one used.
      context.accessTrail?.noteSourced('tasks', list.map((task) => ({ ...task, sourceParty: task.onBehalfOf ?? task.creator })));
      return list;
    });
  }),
  timeline: new DataLoader<TimelineKey, TimelinePage, string>(
    async (keys) => {
      const scope = await context.scope();
      const groups = new Map<string, TimelineKey[]>();
      for (const key of keys) groups.set(pageKey(key), [...(groups.get(pageKey(key)) ?? []), key]);
      const pages = new Map<string, TimelinePage>();
      for (const [group, members] of groups) {
        const { first, after } = members[0]!;
        const loaded = await loadTimelines(context.em, scope, members.map((key) => key.customerId), after ? { first, after } : { first });
        for (const [customerId, page] of loaded) {
          pages.set(`${customerId}|${group}`, page);
          context.accessTrail?.noteActivities(page.activities, scope);
        }
      }
      return keys.map((key) => pages.get(timelineCacheKey(key)) ?? { activities: [], hasNextPage: false });
    },
    { cacheKeyFn: timelineCacheKey },
  ),
  /** The aids of the viewer's brands, read once per request and matched per customer in memory. */
  argumentationAids: lazy(async (): Promise<readonly ArgumentationAidRow[]> => (await context.viewer()).argumentationAids()),
}));

export interface TimelineKey {
  readonly customerId: string;
  readonly first: number;
  readonly after?: TimelineCursor | undefined;
}

function pageKey(key: TimelineKey): string {
  return `${key.first}|${key.after ? `${key.after.occurredAt.toISOString()}|${key.after.id}` : ''}`;
}

function timelineCacheKey(key: TimelineKey): string {
  return `${key.customerId}|${pageKey(key)}`;
}

function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= load());
}
