import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, Kind, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { z } from 'zod';
import { ErrorCode } from '../shared/errors.js';
import type { RequestContext } from './context.js';

/**
 * Query limits. Defaults suit the catalogue and record queries of CONTRACT.md with room to
 * spare; every one can be changed through the environment (documented in the README).
 */
const limitsSchema = z.object({
  LGSP_MAX_DEPTH: z.coerce.number().int().min(2).default(12),
  LGSP_MAX_ALIASES: z.coerce.number().int().min(0).default(15),
  LGSP_MAX_TOKENS: z.coerce.number().int().min(100).default(5_000),
  LGSP_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(20),
  /**
   * graphql-armor's static cost (fields weighted by depth, times a literal `first`; a `first`
   * passed as a variable is not seen). Set so that one full page of 1000 records written either
   * way passes: the list-aware LGSP_MAX_COST is what bounds nested lists.
   */
  LGSP_MAX_STATIC_COST: z.coerce.number().int().min(100).default(100_000),
  /** List-aware cost: a field with `first` costs `first` times its selection. */
  LGSP_MAX_COST: z.coerce.number().int().min(100).default(250_000),
  /** Operations in one batched HTTP request. */
  LGSP_MAX_BATCH: z.coerce.number().int().min(1).default(10),
});

export type QueryLimits = z.infer<typeof limitsSchema>;

export function loadLimits(env: NodeJS.ProcessEnv = process.env): QueryLimits {
  return limitsSchema.parse(env);
}

export function armorPlugins(limits: QueryLimits) {
  return new ApolloArmor({
    maxDepth: { n: limits.LGSP_MAX_DEPTH, ignoreIntrospection: true },
    maxAliases: { n: limits.LGSP_MAX_ALIASES },
    // armor's Apollo token plugin parses in parsingDidStart and throws there, which Apollo turns
    // into a 500 for every syntax error: graphql-js counts tokens instead (parseOptions.maxTokens).
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.LGSP_MAX_DIRECTIVES },
    costLimit: { maxCost: limits.LGSP_MAX_STATIC_COST, ignoreIntrospection: true },
    blockFieldSuggestion: { enabled: true },
  }).protect();
}

/** Connections cost `first` (default 50) times their selection: records(first: 1000) { … } is 1000×. */
const connectionEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  if (!('first' in args) && !('records' in args)) return undefined;
  const first = typeof args.first === 'number' ? Math.max(args.first, 1) : 50;
  return 1 + first * Math.max(childComplexity, 1);
};

/** Costs remembered per parsed document, by operation and variables (oldest out first). */
const COSTS_PER_DOCUMENT = 64;

function isIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') found = true;
    },
  });
  return found;
}

/**
 * List-aware cost analysis (graphql-query-complexity) and introspection for anonymous callers
 * in production: both decided once the operation is known, before any resolver runs.
 */
export function costPlugin(schema: GraphQLSchema, limits: QueryLimits, production: boolean): ApolloServerPlugin<RequestContext> {
  const costs = new WeakMap<DocumentNode, Map<string, number>>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, contextValue, operation }) {
          if (production && !contextValue.viewer && isIntrospection(document)) {
            throw new GraphQLError('Introspection requires an authenticated client', { extensions: { code: ErrorCode.UNAUTHENTICATED } });
          }
          if (operation?.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith('__'))) return;
          // The cost depends on the document, the operation and the variables only; Apollo hands
          // the same parsed document for the same text, so a repeated request costs a lookup.
          let known = costs.get(document);
          if (!known) costs.set(document, (known = new Map()));
          const key = `${request.operationName ?? ''}\u0000${JSON.stringify(request.variables ?? {})}`;
          let cost = known.get(key);
          if (cost === undefined) {
            try {
              cost = getComplexity({
                schema,
                query: document,
                operationName: request.operationName ?? undefined,
                variables: request.variables ?? {},
                estimators: [connectionEstimator, simpleEstimator({ defaultComplexity: 1 })],
              });
            } catch {
              // Variables that do not fit their types: execution refuses them as BAD_USER_INPUT (400).
              return;
            }
            if (known.size >= COSTS_PER_DOCUMENT) known.delete(known.keys().next().value!);
            known.set(key, cost);
          }
          if (cost > limits.LGSP_MAX_COST) {
            throw new GraphQLError(`Query cost ${cost} is over the limit of ${limits.LGSP_MAX_COST}: ask for smaller pages or fewer nested lists`, {
              extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, cost, limit: limits.LGSP_MAX_COST },
            });
          }
        },
      };
    },
  };
}
