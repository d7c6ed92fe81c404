import { printSubgraphSchema } from '@apollo/subgraph';
import { GraphQLSchema, lexicographicSortSchema, printSchema, type GraphQLField, type GraphQLFieldResolver } from 'graphql';
import { builder } from './builder.js';
import { requireScope } from './auth-scopes.js';
import type { GraphQLContext } from './context.js';
import './enums.graphql.js';
import './party.graphql.js';
import './customer.graphql.js';
import './customer-360.graphql.js';
import './customer-mutations.graphql.js';
import './customer-subscriptions.graphql.js';
import './access-audit.graphql.js';
import './dead-letter.graphql.js';
import './node.graphql.js';
import './federation.graphql.js';

/** The public API: no federation fields or directives. */
export const schema: GraphQLSchema = builder.toSchema();

/** The committed `schema.graphql`: sorted SDL, so every API change is a reviewable diff. */
export function printSortedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

let subgraph: GraphQLSchema | undefined;

/**
 * The same API as an Apollo Federation v2 subgraph: every public field, plus `_entities` and
 * `_service` and the `@key`s of the entities (federation.graphql.ts). Both federation fields need
 * the read scope like every query: `_entities` answers with the caller's sharing policy, and
 * `_service` spells out the schema, which production keeps from anonymous callers (no introspection).
 */
export function subgraphSchema(): GraphQLSchema {
  if (subgraph) return subgraph;
  const built = withoutSubscriptions(builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6', federationDirectives: ['@key'] }));
  const fields = built.getQueryType()!.getFields();
  // `_service` spells out this schema (the plugin's own answer is the SDL it built, subscriptions included).
  const sdl = printSubgraphSchema(built);
  const resolvers: Record<string, GraphQLFieldResolver<unknown, GraphQLContext> | undefined> = { _entities: fields._entities?.resolve, _service: () => ({ sdl }) };
  for (const [name, resolve] of Object.entries(resolvers)) {
    const field = fields[name] as GraphQLField<unknown, GraphQLContext> | undefined;
    if (!field || !resolve) throw new Error(`the subgraph schema has no resolver for Query.${name}`);
    field.resolve = (source, args, context, info) => {
      requireScope(context.principal, 'read');
      return resolve(source, args, context, info);
    };
  }
  subgraph = built;
  return built;
}

/**
 * The schema without its subscriptions: clients subscribe at the gateway itself (Server-Sent
 * Events), while a supergraph router reaches a subgraph's subscriptions only over WebSocket or its
 * HTTP callback protocol — offering them to a router would compose fields it cannot deliver.
 */
function withoutSubscriptions(schema: GraphQLSchema): GraphQLSchema {
  const config = schema.toConfig();
  const subscription = schema.getSubscriptionType();
  return new GraphQLSchema({ ...config, subscription: null, types: config.types.filter((type) => type !== subscription) });
}

/** The committed `schema.subgraph.graphql`: the subgraph SDL with its federation directives, as `printSubgraphSchema` prints it (types by name, fields as defined). */
export function printSubgraphSdl(): string {
  return `${printSubgraphSchema(subgraphSchema()).trimEnd()}\n`;
}
