import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
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
  cached ??= applyPermissions(await buildBareSchema());
  return cached;
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
