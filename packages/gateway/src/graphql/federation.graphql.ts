import { builder } from './builder.js';
import { CustomerRef } from './customer.graphql.js';
import { PartyRef, partyDirectory } from './party.graphql.js';

/**
 * Entities a partner's supergraph can extend (Apollo Federation v2, served when
 * TANDEM_GRAPHQL_SUBGRAPH is on): a customer and a party by their hub id — the id of the Kafka
 * events, so a partner subgraph keys its own data the same way. A reference resolves through the
 * customer loader, like `customer(id:)` and `node(id:)`: the caller's sharing policy, batched, noted
 * in the access trail; one the caller may not see resolves to null, like an unknown id. Parties come
 * from the directory every participant sees, read once per request.
 */
builder.asEntity(CustomerRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: async (reference, context) => (await context.customers.load(reference.id)) ?? null,
});

builder.asEntity(PartyRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: async (reference, context) => (await partyDirectory(context)).find((party) => party.id === reference.id) ?? null,
});
