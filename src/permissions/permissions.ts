import type { GraphQLSchema } from 'graphql';
import { applyMiddleware, type IMiddleware } from 'graphql-middleware';
import { allow, and, or, rule, shield } from 'graphql-shield';
import type { Role } from '../generated/prisma/enums.js';
import type { RequestContext } from '../server/context.js';
import { AppError, ErrorCode } from '../shared/errors.js';

/*
 * Coarse "who may call this" for every entry point, default deny: a Query or Mutation field
 * without a rule here is refused. Fine-grained decisions (which dataset, which fields) are the
 * policies' (src/modules/<x>/<x>.policy.ts). Rules return errors rather than throw: a thrown
 * error would become a silent deny.
 */

const isAuthenticated = rule({ cache: 'contextual' })((_parent, _args, ctx: RequestContext) =>
  ctx.viewer ? true : new AppError(ErrorCode.UNAUTHENTICATED, 'Authentication required: send a Bearer access token'),
);

const roleRules = new Map<Role, ReturnType<ReturnType<typeof rule>>>();
/** One rule per role (shield refuses two rules of one name). */
const hasRole = (role: Role) => {
  let r = roleRules.get(role);
  if (!r) {
    r = rule(`hasRole-${role}`, { cache: 'contextual' })((_parent, _args, ctx: RequestContext) =>
      ctx.viewer?.roles.includes(role) ? true : new AppError(ErrorCode.FORBIDDEN, `Requires the ${role} role`),
    );
    roleRules.set(role, r);
  }
  return r;
};

const isMaintainer = hasRole('MAINTAINER');
const canAskAccess = and(isAuthenticated, or(hasRole('DEVELOPER'), isMaintainer));
const isAdmin = hasRole('ADMIN');
const canManageCatalogue = and(isAuthenticated, or(isMaintainer, isAdmin));
const canAdminister = and(isAuthenticated, isAdmin);

export const ruleMap = {
  Query: {
    me: allow,
    hub: allow,
    agencies: allow,
    agency: allow,
    datasets: allow,
    dataset: allow,
    // Anonymous callers read OPEN data; the record access policy decides field by field.
    records: allow,
    accessRequests: isAuthenticated,
    grants: isAuthenticated,
    auditEntries: isAuthenticated,
  },
  Mutation: {
    registerDataset: canManageCatalogue,
    updateDataset: canManageCatalogue,
    publishDataset: canManageCatalogue,
    deprecateDataset: canManageCatalogue,
    deleteDataset: canManageCatalogue,
    importRecords: canManageCatalogue,
    requestAccess: canAskAccess,
    approveAccessRequest: and(isAuthenticated, isMaintainer),
    rejectAccessRequest: and(isAuthenticated, isMaintainer),
    withdrawAccessRequest: canAskAccess,
    revokeGrant: and(isAuthenticated, isMaintainer),
    createAgency: canAdminister,
    createApiClient: canAdminister,
    disableApiClient: canAdminister,
    enableApiClient: canAdminister,
    rotateApiClientSecret: canAdminister,
  },
};

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

/**
 * Applies the rule map to the root fields only: nested types are reached through a root field
 * that was already allowed, and their data is shaped by the policies. Wrapping every nested field
 * would cost a middleware call per field per row for no decision.
 */
export function applyPermissions(schema: GraphQLSchema): GraphQLSchema {
  const generator = shield(ruleMap, {
    fallbackRule: rule('deny-unlisted')(() => new AppError(ErrorCode.FORBIDDEN, 'Not allowed')),
    allowExternalErrors: true,
  });
  const full = generator.generate(schema) as Record<string, unknown>;
  const rootOnly = Object.fromEntries(Object.entries(full).filter(([type]) => ROOT_TYPES.has(type))) as IMiddleware;
  return applyMiddleware(schema, rootOnly);
}
