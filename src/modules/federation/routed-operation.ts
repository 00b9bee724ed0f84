import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { Kind, getArgumentValues, getVariableValues, type FieldNode, type GraphQLFormattedError, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { RequestContext } from '../../server/context.js';
import { formatError } from '../../shared/errors.js';
import type { RoutedRead } from './federation.service.js';

/**
 * Operations that only read another hub's records, such as
 * `query($d: String!) { records(dataset: $d, first: 10) { edges { node { data } } } }` with
 * `$d = "TG:ho-tich"`, are sent to the owning hub as the client wrote them, and its answer is
 * passed on: nothing of them is executed here, and the harvested catalogue is not consulted
 * (the owning hub says what exists). This is the national hub's hot path. An operation with
 * anything else in it (a local field, a dataset of this hub or of a hub that is not a peer, two
 * hubs, a fragment or directive at its root, a mutation) runs here, each routed field through the
 * records resolver. Authentication, rate limits, parsing, validation and the query limits have
 * run by then, as for any operation.
 */
export interface RoutedOperation {
  hub: string;
  reads: RoutedRead[];
}

/** Per parsed operation: its root `records` fields, or null when its shape is not routable whatever the variables. */
const shapes = new WeakMap<OperationDefinitionNode, readonly FieldNode[] | null>();

function routableShape(operation: OperationDefinitionNode): readonly FieldNode[] | null {
  let fields = shapes.get(operation);
  if (fields === undefined) {
    const selections = operation.selectionSet.selections;
    const all = operation.operation === 'query' && selections.length > 0 && selections.every((s) => s.kind === Kind.FIELD && s.name.value === 'records' && !s.directives?.length);
    fields = all ? (selections as readonly FieldNode[]) : null;
    shapes.set(operation, fields);
  }
  return fields;
}

/**
 * The hub and reads of an operation that can be routed as a whole, or undefined. Variables and
 * arguments are coerced as execution would coerce them; anything that does not coerce, or a
 * dataset reference that does not parse, leaves the operation to the normal path, which reports it.
 */
export async function routedOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode | undefined,
  variables: Record<string, unknown> | undefined,
  parseRef: (ref: string) => { hub: string; code: string },
  ownHub: string,
  isPeer: (hub: string) => Promise<boolean>,
): Promise<RoutedOperation | undefined> {
  const fields = operation && routableShape(operation);
  if (!fields) return undefined;
  const definition = schema.getQueryType()?.getFields().records;
  if (!definition) return undefined;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  if (coerced.errors) return undefined;
  let hub: string | undefined;
  const reads: RoutedRead[] = [];
  for (const node of fields) {
    let ref: { hub: string; code: string };
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(definition, node, coerced.coerced);
      ref = parseRef(String(args.dataset));
    } catch {
      return undefined;
    }
    if (ref.hub === ownHub || (hub !== undefined && ref.hub !== hub)) return undefined;
    hub = ref.hub;
    reads.push({ ref: `${ref.hub}:${ref.code}`, alias: node.alias?.value ?? node.name.value, fields: args.fields, where: args.where, purpose: args.purpose });
  }
  if (!hub || !(await isPeer(hub))) return undefined;
  return { hub, reads };
}

/** The Apollo hook that answers a routed operation with the owning hub's answer (see {@link routedOperation}). */
export function routedOperationPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ schema, operation, request, source, contextValue: ctx }) {
          const { services } = ctx;
          const route = await routedOperation(schema, operation, request.variables, (ref) => services.datasets.parseRef(ref), services.config.hubCode, (hub) => services.federation.isPeer(hub));
          if (!route) return null;
          let data: Record<string, unknown> | null = null;
          let errors: GraphQLFormattedError[];
          try {
            const answer = await services.federation.routeOperation(ctx, route.hub, { query: source ?? '', variables: request.variables ?? {}, operationName: request.operationName ?? null }, route.reads);
            data = answer.data;
            errors = answer.errors.map((e) => formatError({ message: e.error.message, path: e.path, locations: e.locations }, e.error));
            // Sent in extensions.signatures as this hub's own are (observabilityPlugin).
            ctx.signatures.push(...answer.signatures);
          } catch (e) {
            // The forward failed as a whole: each routed field reports it, as its resolver would have.
            const reported = formatError({ message: (e as Error).message }, e);
            errors = route.reads.map((read) => ({ ...reported, path: [read.alias!] }));
          }
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data, ...(errors.length > 0 ? { errors } : {}) } } };
        },
      };
    },
  };
}
