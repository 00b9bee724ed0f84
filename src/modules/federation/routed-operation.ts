import { HeaderMap, type ApolloServerPlugin, type GraphQLResponse } from '@apollo/server';
import { Kind, getArgumentValues, getVariableValues, type FieldNode, type GraphQLFormattedError, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { Viewer } from '../../auth/viewer.js';
import type { RequestContext } from '../../server/context.js';
import { errorAnswer } from '../../server/http-util.js';
import { formatError } from '../../shared/errors.js';
import { ViewerChanged, type RoutedAnswer, type RoutedRead, type RoutedRequest } from './federation.service.js';

/**
 * Operations that only read another hub's records, such as
 * `query($d: String!) { records(dataset: $d, first: 10) { edges { node { data } } } }` with
 * `$d = "TG:ho-tich"`, are sent to the owning hub as the client wrote them, and its answer is
 * passed on: nothing of them is executed here, and the harvested catalogue is not consulted
 * (the owning hub says what exists). This is the national hub's hot path. An operation with
 * anything else in it (a local field, a dataset of this hub or of a hub that is not a peer, two
 * hubs, a fragment or directive at its root, a mutation) runs here, each routed field through the
 * records resolver. Authentication, rate limits, parsing, validation and the query limits have
 * run by then, as for any operation, except that for a text routed before (isKnownRouted) the
 * client's row is still to be read again (RequestContext.viewerCheck): that read is made while the
 * owning hub answers, and nothing is answered before it ends.
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

/** Texts of operations found routed, by their text (bounded): see {@link isKnownRouted}. */
const knownRouted = new Set<string>();
const KNOWN_ROUTED = 1_000;

/**
 * Whether an HTTP body is one operation whose text was routed before. Such a request may go on
 * while its client's row is read again (http-server.ts): its forward overlaps that read, and its
 * answer waits for it.
 */
export function isKnownRouted(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const query = (body as { query?: unknown }).query;
  return typeof query === 'string' && knownRouted.has(query);
}

function rememberRouted(text: string): void {
  if (knownRouted.has(text)) return;
  if (knownRouted.size >= KNOWN_ROUTED) knownRouted.delete(knownRouted.values().next().value!);
  knownRouted.add(text);
}

/** The request goes on as the client is now (RequestContext.viewerCheck resolved). */
function adopt(ctx: RequestContext, viewer: Viewer): void {
  ctx.viewer = viewer;
  ctx.loaders = ctx.services.createLoaders(viewer);
  ctx.viewerCheck = undefined;
}

/** The answer to a request whose client check failed (or could not be made): as http-server.ts answers it. */
function refused(e: unknown): GraphQLResponse {
  const answer = errorAnswer(e);
  return { http: { status: answer.status, headers: new HeaderMap(Object.entries(answer.headers)) }, body: { kind: 'single', singleResult: answer.body } };
}

/** The owning hub's answer; asked again for the client as it is now if it changed while the first forward was in flight. */
async function forwardFor(ctx: RequestContext, route: RoutedOperation, request: RoutedRequest): Promise<RoutedAnswer> {
  const { federation } = ctx.services;
  try {
    return await federation.routeOperation(ctx, route.hub, request, route.reads, ctx.viewerCheck);
  } catch (e) {
    if (!(e instanceof ViewerChanged)) throw e;
    adopt(ctx, e.viewer);
    return federation.routeOperation(ctx, route.hub, request, route.reads);
  }
}

/** The Apollo hook that answers a routed operation with the owning hub's answer (see {@link routedOperation}). */
export function routedOperationPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ schema, operation, request, source, contextValue: ctx }) {
          const { services } = ctx;
          const route = await routedOperation(schema, operation, request.variables, (ref) => services.datasets.parseRef(ref), services.config.hubCode, (hub) => services.federation.isPeer(hub));
          if (!route) {
            // A text routed before whose variables now name a dataset of this hub: it runs here,
            // for the client as it is now.
            if (ctx.viewerCheck) {
              try {
                adopt(ctx, await ctx.viewerCheck());
              } catch (e) {
                return refused(e);
              }
            }
            return null;
          }
          if (source) rememberRouted(source);
          let data: Record<string, unknown> | null = null;
          let errors: GraphQLFormattedError[];
          try {
            const answer = await forwardFor(ctx, route, { query: source ?? '', variables: request.variables ?? {}, operationName: request.operationName ?? null });
            data = answer.data;
            errors = answer.errors.map((e) => formatError({ message: e.error.message, path: e.path, locations: e.locations }, e.error));
            // Sent in extensions.signatures as this hub's own are (observabilityPlugin).
            ctx.signatures.push(...answer.signatures);
          } catch (e) {
            const refusal = await ctx.viewerCheck?.().then(
              () => undefined,
              (r: unknown) => r ?? new Error('client check failed'),
            );
            if (refusal) return refused(refusal);
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
