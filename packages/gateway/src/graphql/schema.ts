import { printSubgraphSchema } from '@apollo/subgraph';
import { lexicographicSortSchema, printSchema, type GraphQLField, type GraphQLSchema } from 'graphql';
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
  const built = builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6', federationDirectives: ['@key'] });
  const fields = built.getQueryType()!.getFields();
  for (const name of ['_entities', '_service']) {
    const field = fields[name] as GraphQLField<unknown, GraphQLContext> | undefined;
    const resolve = field?.resolve;
    if (!field || !resolve) throw new Error(`the subgraph schema has no resolver for Query.${name}`);
    field.resolve = (source, args, context, info) => {
      requireScope(context.principal, 'read');
      return resolve(source, args, context, info);
    };
  }
  subgraph = built;
  return built;
}

/** The committed `schema.subgraph.graphql`: the subgraph SDL with its federation directives, as `printSubgraphSchema` prints it (types by name, fields as defined). */
export function printSubgraphSdl(): string {
  return `${printSubgraphSchema(subgraphSchema()).trimEnd()}\n`;
}
