import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import { routedOperationPlugin } from '../modules/federation/routed-operation.js';
import { formatError } from '../shared/errors.js';
import { stringifyJsonBytes } from '../shared/json-text.js';
import { logger } from '../shared/logger.js';
import type { RequestContext } from './context.js';
import { jitGateway } from './jit-executor.js';
import { armorPlugins, costPlugin, type QueryLimits } from './limits.js';
import type { Metrics } from './metrics.js';

export { HeaderMap };

/** Tells whether the per-operation debug line is wanted (the request's own logger is made lazily). */
const operationLog = logger('graphql');

const seenOperations = new Set<string>();
/**
 * Operation names come from clients: the label is bounded (a plain name, at most 200 distinct
 * ones per process, the rest counted as `other`) so that no client can grow the metric series.
 */
function metricName(operationName: string | null | undefined): string {
  if (!operationName) return 'anonymous';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(operationName)) return 'other';
  if (seenOperations.has(operationName)) return operationName;
  if (seenOperations.size >= 200) return 'other';
  seenOperations.add(operationName);
  return operationName;
}

/** Metrics and the request log line for every GraphQL operation. */
function observabilityPlugin(metrics: Metrics): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      // Each operation of a batched request gets a shallow clone of one context: without its own
      // array, every response of the batch would carry the signatures of all of them.
      contextValue.signatures = [];
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ response, operationName, operation, contextValue }) {
          if (contextValue.signatures.length > 0 && response.body.kind === 'single') {
            response.body.singleResult.extensions = { ...response.body.singleResult.extensions, signatures: contextValue.signatures };
          }
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const name = metricName(operationName);
          metrics.operations.inc({ operation: name, type: operation?.operation ?? 'unknown' });
          metrics.operationDuration.observe({ operation: name }, seconds);
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          for (const e of errors) metrics.errors.inc({ code: String(e.extensions?.code ?? 'INTERNAL') });
          if (operationLog.isLevelEnabled('debug')) {
            contextValue.log.debug(
              { operation: name, ms: Math.round(seconds * 1000), errors: errors.map((e) => e.extensions?.code) },
              'graphql operation',
            );
          }
        },
      };
    },
  };
}

export type GraphQLExecutorKind = 'jit' | 'graphql-js';

export async function createApollo(
  schema: GraphQLSchema,
  metrics: Metrics,
  limits: QueryLimits,
  production: boolean,
  executor: GraphQLExecutorKind = 'jit',
): Promise<ApolloServer<RequestContext>> {
  const armor = armorPlugins(limits);
  const apollo = new ApolloServer<RequestContext>({
    ...(executor === 'jit' ? { gateway: jitGateway(schema) } : { schema }),
    formatError,
    // Apollo's default appends a newline: a records page became a rope that was copied whole into
    // a flat string of its own before its UTF-8 encoding (executeApollo).
    // Every answer is written as the bytes executeApollo sends (it encoded strings there anyway),
    // with the rows of records pages (JsonText) spliced in as their own UTF-8. Apollo types the
    // answer as a string and only passes it on, or, for a batch, interpolates it into a
    // template, where a Buffer becomes its UTF-8 text.
    stringifyResult: (result) => stringifyJsonBytes(result) as unknown as string,
    includeStacktraceInErrorResponses: false,
    // Introspection stays on; the cost plugin refuses it to anonymous callers in production.
    introspection: true,
    csrfPrevention: true,
    allowBatchedHttpRequests: true,
    validationRules: armor.validationRules,
    // The parser stops past this many tokens; formatError reports it as QUERY_TOO_COMPLEX.
    parseOptions: { maxTokens: limits.LGSP_MAX_TOKENS },
    // Cache control would wrap every field resolver for hints the hub never sends.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(), ...(armor.plugins as unknown as ApolloServerPlugin<RequestContext>[]), costPlugin(schema, limits, production), routedOperationPlugin(), observabilityPlugin(metrics)],
  });
  await apollo.start();
  return apollo;
}
