import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './enums.graphql.js';
import './party.graphql.js';
import './customer.graphql.js';
import './customer-360.graphql.js';
import './customer-mutations.graphql.js';
import './access-audit.graphql.js';
import './dead-letter.graphql.js';

export const schema: GraphQLSchema = builder.toSchema();

/** The committed `schema.graphql`: sorted SDL, so every API change is a reviewable diff. */
export function printSortedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
