import 'reflect-metadata';
import { isObjectType, type GraphQLSchema } from 'graphql';
import { buildSchema, getMetadataStorage } from 'type-graphql';
import { AgencyResolver } from '../modules/agency/agency.resolver.js';
import { DatasetResolver } from '../modules/catalogue/dataset.resolver.js';
import { AdminResolver } from '../modules/client/client.resolver.js';
import { HubResolver } from '../modules/hub/hub.resolver.js';
import { RecordResolver } from '../modules/records/record.resolver.js';
import { DatasetRecordsResolver } from '../modules/records/dataset-records.resolver.js';
import { AccessRequestResolver, GrantResolver } from '../modules/access/access.resolver.js';
import { AuditResolver } from '../modules/audit/audit.resolver.js';
import { ViewerResolver } from '../modules/viewer/viewer.resolver.js';
import { applyPermissions } from '../permissions/permissions.js';
import { DateTimeScalar, JSONScalar } from './scalars.js';

export const resolvers = [
  HubResolver,
  ViewerResolver,
  AgencyResolver,
  DatasetResolver,
  DatasetRecordsResolver,
  RecordResolver,
  AccessRequestResolver,
  GrantResolver,
  AuditResolver,
  AdminResolver,
] as const;

let cached: GraphQLSchema | undefined;

/** The executable schema: type-graphql's code-first schema with the permission rules applied. */
export async function buildHubSchema(): Promise<GraphQLSchema> {
  cached ??= applyPermissions(withPlainPropertyResolvers(await buildBareSchema()));
  return cached;
}

/**
 * type-graphql gives every field a resolver, even a plain property: `root[name]` through its
 * middleware runner, with an object allocated per call. A catalogue page has ~1,500 such fields.
 * They get a plain property read instead. (Not no resolver at all: graphql-jit then inlines the
 * read and does not await it, and some properties are lazy promises, e.g. `totalCount`.) Fields
 * with a field resolver, middleware, roles or a schema name other than their property keep theirs.
 */
/**
 * Object types whose properties are always plain values, never promises: their fields get no
 * resolver at all, so graphql-jit reads them inline. A records page is 1,000 edges of
 * `cursor node { id data }` (4,000 resolver calls otherwise), a catalogue page ~500 fields.
 */
const ALWAYS_PLAIN = new Set(['RecordEdge', 'Record', 'Field']);

function withPlainPropertyResolvers(schema: GraphQLSchema): GraphQLSchema {
  const storage = getMetadataStorage();
  for (const objectType of storage.objectTypes) {
    const type = schema.getType(objectType.name);
    if (!isObjectType(type)) continue;
    const fields = type.getFields();
    for (const f of objectType.fields ?? []) {
      const resolved = storage.fieldResolvers.some((r) => r.methodName === f.name && r.getObjectType?.() === f.target);
      if (resolved || f.name !== f.schemaName || (f.middlewares?.length ?? 0) > 0 || (f.roles?.length ?? 0) > 0 || f.params?.length) continue;
      const field = fields[f.schemaName];
      const name = f.name;
      if (!field) continue;
      field.resolve = ALWAYS_PLAIN.has(objectType.name) ? undefined : (source: Record<string, unknown>) => source[name];
    }
  }
  return schema;
}

/** The schema without middleware, as emitted to schema/schema.graphql. */
export function buildBareSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    scalarsMap: [
      { type: Date, scalar: DateTimeScalar },
      { type: Object, scalar: JSONScalar },
    ],
    validate: false,
    emitSchemaFile: false,
  });
}
