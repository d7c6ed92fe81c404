import { GraphQLError, Kind, validate, visit, type ArgumentNode, type DocumentNode, type GraphQLSchema, type ValidationContext, type ValueNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Plugin, YogaServerOptions } from 'graphql-yoga';
import { costLimitPlugin, costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { graphqlCodeByCategory } from '@tandem/schema';

/** Whatever yoga's `plugins` option takes: yoga, envelop and Armor plugins type their context differently. */
export type GatewayPlugin = NonNullable<YogaServerOptions<object, object>['plugins']>[number];

/** Static limits on one GraphQL document, checked before any resolver runs (docs/api-hardening.md). */
export interface OperationLimits {
  /** Deepest field nesting, fragments counted as a level. Default 6 (GraphQL Armor's). */
  readonly maxDepth: number;
  /** Aliased fields per operation, `__typename` exempt. Default 15 (GraphQL Armor's). */
  readonly maxAliases: number;
  /** Directives per operation. Default 50 (GraphQL Armor's). */
  readonly maxDirectives: number;
  /** Lexical tokens per document. Default 1000 (GraphQL Armor's). */
  readonly maxTokens: number;
  /** GraphQL Armor cost (objects 2, scalars 1, ×1.5 per level, × `first`/`last`). Default 5000 (GraphQL Armor's). */
  readonly maxCost: number;
}

export const defaultOperationLimits: OperationLimits = {
  maxDepth: 6,
  maxAliases: 15,
  maxDirectives: 50,
  maxTokens: 1000,
  maxCost: 5000,
};

/** Why a document was refused, as `extensions.reason` (with `extensions.code` BAD_USER_INPUT and `extensions.limit`). */
export type OperationLimitReason = 'DEPTH_LIMIT' | 'ALIAS_LIMIT' | 'DIRECTIVE_LIMIT' | 'TOKEN_LIMIT' | 'COST_LIMIT';

/** GraphQL Armor's limit plugins; a refusal is a BAD_USER_INPUT error naming the limit and its value. */
export function operationLimitPlugins(limits: OperationLimits): GatewayPlugin[] {
  const cost = { maxCost: limits.maxCost, propagateOnRejection: false, onReject: [report('COST_LIMIT', limits.maxCost)] };
  return [
    // The lexer stops at the first token over the limit, so this one has to throw: there is no validation context yet.
    maxTokensPlugin({
      n: limits.maxTokens,
      onReject: [
        (_context, rejection) => {
          throw limitError('TOKEN_LIMIT', limits.maxTokens, rejection);
        },
      ],
    }),
    maxDepthPlugin({ n: limits.maxDepth, propagateOnRejection: false, onReject: [report('DEPTH_LIMIT', limits.maxDepth)] }),
    maxAliasesPlugin({ n: limits.maxAliases, propagateOnRejection: false, onReject: [report('ALIAS_LIMIT', limits.maxAliases)] }),
    maxDirectivesPlugin({ n: limits.maxDirectives, propagateOnRejection: false, onReject: [report('DIRECTIVE_LIMIT', limits.maxDirectives)] }),
    costLimitPlugin(cost),
    useCostLimitWithVariables(cost),
  ];
}

function report(reason: OperationLimitReason, limit: number) {
  return (context: ValidationContext | null, rejection: GraphQLError): void => {
    const error = limitError(reason, limit, rejection);
    if (!context) throw error;
    context.reportError(error);
  };
}

function limitError(reason: OperationLimitReason, limit: number, rejection: GraphQLError): GraphQLError {
  return new GraphQLError(rejection.message.replace(/^Syntax Error: /, ''), {
    extensions: { code: graphqlCodeByCategory.BAD_INPUT, reason, limit, http: { spec: true, status: 400 } },
  });
}

/**
 * The largest page any field accepts (`Customer.activities`, `first` ≤ 100). Larger variables
 * are left to the field, which refuses them naming the argument (a clearer error than the cost).
 */
const largestPage = 100;

/**
 * List arguments that fetch one object per entry: `nodes(ids:)` and federation's
 * `_entities(representations:)` are priced like a page of that many items.
 */
const perEntryListArguments: ReadonlySet<string> = new Set(['ids', 'representations']);

/**
 * Armor's cost rule multiplies by `first`/`last` only when they are literals, and validation is
 * cached per document, so `activities(first: $first)` would be priced at one item; and it knows
 * nothing of lists of ids, so `nodes(ids: [100 ids])` would be priced as one record. Before
 * executing, the same rule runs again with those sizes written in as `first`.
 *
 * The price depends on the document and on the sizes of the variables written in, nothing else:
 * a document priced within the limit for some sizes is not priced again for the same sizes (yoga's
 * parser cache hands out one parsed document per query text). A refused one is priced every time.
 */
function useCostLimitWithVariables(options: Parameters<typeof costLimitRule>[0]): Plugin {
  const priced = new WeakMap<DocumentNode, PricedDocument>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const variables = args.variableValues ?? {};
      let known = priced.get(args.document);
      if (!known || known.schema !== args.schema) {
        known = { schema: args.schema, sizeVariables: sizeVariablesOf(args.document), accepted: new LRUCache({ max: acceptedSizesPerDocument }) };
        priced.set(args.document, known);
      }
      const sizes = known.sizeVariables.map((name) => sizeOf(variables[name])).join(',');
      if (known.accepted.has(sizes)) return;
      const document = withListSizesInlined(args.document, variables);
      const errors = document ? validate(args.schema, document, [costLimitRule(options)]) : [];
      if (errors.length > 0) setResultAndStopExecution({ errors });
      else known.accepted.set(sizes, true);
    },
  };
}

/** The variable sizes a document was priced within the limit for, per schema. */
interface PricedDocument {
  readonly schema: GraphQLSchema;
  /** The variables `withListSizesInlined` reads: those given to `first`/`last` or to a per-entry list argument. */
  readonly sizeVariables: readonly string[];
  /** Keys of `sizeOf` the variables, joined. */
  readonly accepted: LRUCache<string, true>;
}

/** Sizes remembered per document (a page size up to 100, a few list lengths): a bound, not a tuning knob. */
const acceptedSizesPerDocument = 256;

function sizeVariablesOf(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(node) {
      if (node.value.kind !== Kind.VARIABLE) return;
      if (node.name.value === 'first' || node.name.value === 'last' || perEntryListArguments.has(node.name.value)) names.add(node.value.name.value);
    },
  });
  return [...names];
}

/** What `withListSizesInlined` makes of a variable's value: a list's length, a number, or only its kind. */
function sizeOf(value: unknown): string {
  if (Array.isArray(value)) return `[${value.length}]`;
  return typeof value === 'number' ? String(value) : typeof value;
}

/**
 * For the cost rule only (other rules would refuse the synthetic `first`): the document with
 * `first:`/`last:` variables replaced by their integer values and a `first: <entries>` on each
 * field with a per-entry list argument; undefined when there is nothing to write in.
 */
function withListSizesInlined(document: DocumentNode, variables: Readonly<Record<string, unknown>>): DocumentNode | undefined {
  const defaults = new Map<string, ValueNode | undefined>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const variable of definition.variableDefinitions ?? []) defaults.set(variable.variable.name.value, variable.defaultValue);
  }
  const listLength = (value: ValueNode): number | undefined => {
    if (value.kind === Kind.LIST) return value.values.length;
    if (value.kind !== Kind.VARIABLE) return undefined;
    const given = variables[value.name.value];
    if (Array.isArray(given)) return given.length;
    const fallback = defaults.get(value.name.value);
    return fallback?.kind === Kind.LIST ? fallback.values.length : undefined;
  };
  let inlined = false;
  const result = visit(document, {
    Field(node) {
      const list = node.arguments?.find((argument) => perEntryListArguments.has(argument.name.value));
      const size = list ? listLength(list.value) : undefined;
      if (size === undefined || size < 2 || node.arguments?.some((argument) => argument.name.value === 'first' || argument.name.value === 'last')) return undefined;
      inlined = true;
      const first: ArgumentNode = { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'first' }, value: { kind: Kind.INT, value: String(size) } };
      return { ...node, arguments: [...(node.arguments ?? []), first] };
    },
    Argument(node) {
      if ((node.name.value !== 'first' && node.name.value !== 'last') || node.value.kind !== Kind.VARIABLE) return undefined;
      const name = node.value.name.value;
      const given = variables[name];
      const fallback = defaults.get(name);
      const size = typeof given === 'number' && Number.isSafeInteger(given) ? given : fallback?.kind === Kind.INT ? Number(fallback.value) : undefined;
      if (size === undefined || size > largestPage) return undefined;
      inlined = true;
      return { ...node, value: { kind: Kind.INT, value: String(size) } };
    },
  });
  return inlined ? result : undefined;
}
