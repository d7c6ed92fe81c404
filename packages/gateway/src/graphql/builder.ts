import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import RelayPlugin from '@pothos/plugin-relay';
import ValidationPlugin from '@pothos/plugin-validation';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import { ValidationError } from '@tandem/schema';
import type { GraphQLContext } from './context.js';
import { scopeLoaders, unauthorizedError } from './auth-scopes.js';

/** The Pothos builder: configuration only. Feature files define their types on it. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: { authenticated: boolean; read: boolean; write: boolean; webhook: boolean };
  Scalars: { DateTime: { Input: Date; Output: Date } };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
}>({
  // Federation after the plugins that wrap resolvers (scope-auth), as its docs require; directives print its `@key`s.
  plugins: [ScopeAuthPlugin, RelayPlugin, ValidationPlugin, DirectivesPlugin, FederationPlugin],
  defaultFieldNullability: false,
  validation: {
    // Field issues name the argument path (`input.phones.0.value`) and the reason, like every other edge.
    validationError: (failure) =>
      new ValidationError(
        failure.issues.map((issue) => ({
          path: (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.'),
          message: issue.message,
        })),
      ),
  },
  scopeAuth: {
    // A subscription is refused when it is made, not silently when its first event resolves.
    authorizeOnSubscribe: true,
    authScopes: (context) => scopeLoaders(context.principal),
    unauthorizedError: (_parent, context, _info, result) => unauthorizedError(context.principal, result),
  },
  relay: {
    cursorType: 'String',
    clientMutationId: 'omit',
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
    // Tandem's ids are global already (node.graphql.ts): `node`/`nodes` are defined there, with batching and the sharing policy.
    nodeTypeOptions: { description: 'A record with an id that is unique across the hub; `node(id:)` fetches any of them.' },
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
});

builder.scalarType('DateTime', {
  description: 'An instant in ISO 8601 with offset (UTC on output).',
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const date = typeof value === 'string' ? new Date(value) : undefined;
    if (!date || Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an ISO 8601 string');
    return date;
  },
});

// Every query needs the read scope (connectors' API keys may lack it); fields add their own checks.
builder.queryType({ authScopes: { read: true } });
// Every mutation needs the write scope; fields add their role checks (auth/capability.ts). Feature files use builder.mutationFields.
builder.mutationType({ authScopes: { write: true } });
// Every subscription needs the read scope; feature files use builder.subscriptionFields.
builder.subscriptionType({ authScopes: { read: true } });
