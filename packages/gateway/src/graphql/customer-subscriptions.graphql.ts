import { builder } from './builder.js';
import { CustomerRef } from './customer.graphql.js';
import { CustomerChangeEvents } from './customer-change-events.js';
import { requireBulkReaderRole } from '../auth/capability.js';

builder.subscriptionFields((t) => ({
  customerChanged: t.field({
    type: CustomerRef,
    description:
      "The customer each time it changes — any party's record of it, an activity, a task or a consent — as the caller may see it at that moment (its sharing agreements then). Silent while the caller may not see it, as for an id that names no customer (indistinguishable by design). Changes that come close together may arrive as one.",
    args: { id: t.arg.id({ required: true }) },
    authScopes: { authenticated: true },
    subscribe: (_root, args, context) => CustomerChangeEvents.open(context, { field: 'customerChanged', only: String(args.id) }),
    resolve: (event) => event.value,
  }),
  customersChanged: t.field({
    type: CustomerRef,
    description:
      'Every customer the caller may see, each time one changes, as the caller sees it then: a live feed for connectors and managers (roles integration, manager, admin). A subscriber that falls more than 10 000 changed customers behind is ended with SUBSCRIBER_TOO_SLOW; the export catches it up.',
    authScopes: { authenticated: true },
    subscribe: (_root, _args, context) => {
      requireBulkReaderRole(context.principal!, 'ROLE_MAY_NOT_FOLLOW_ALL', 'follow every customer');
      return CustomerChangeEvents.open(context, { field: 'customersChanged' });
    },
    resolve: (event) => event.value,
  }),
}));
