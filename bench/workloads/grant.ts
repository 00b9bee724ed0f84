import {
  GRANT_ROW_FILTER,
  GRANT_ROW_SHARE,
  PAGE,
  PURPOSE,
  RECORDS_QUERY,
  canonicalShape,
  ensureGrant,
  ensureOwnerCursors,
  ensureRecordsDataset,
  hubPageRequests,
  ownerCursorsOf,
  recordsFacts,
  viewerCursorsOf,
} from './records-data.js';
import { graphqlRequest, type Workload } from './types.js';

/**
 * The cost of enforcement (issue 4): the same records page read by the owner agency and by a
 * DEVELOPER of another agency under a grant the owner approved narrowed with a row filter, on the
 * same hub process, alternated. Both read 1,000 rows × 10 fields per page (the grant names every
 * field; the personal ones need the purpose every request states).
 */

const viewerToken = (tokens: Record<string, string>) => {
  const t = tokens.viewer;
  if (!t) throw new Error('no viewer token: the grant setup did not run');
  return t;
};

export const grant: Workload = {
  name: 'grant',
  title: 'Records under a narrowed grant',
  description: `the records page (first: ${PAGE}, 10 fields, the first 10 pages in turn) read by the owner agency and by a viewer of another agency under a grant approved with the row filter ${JSON.stringify(GRANT_ROW_FILTER)} (${GRANT_ROW_SHARE * 100} % of rows pass) and a validity; throughput in rows/s`,
  unit: { label: 'rows/s', perRequest: () => PAGE },
  targets: [
    {
      system: 'hub',
      id: 'owner',
      label: 'hub (owner)',
      requests: (ctx) => hubPageRequests(ctx, ctx.token, ownerCursorsOf(ctx)),
      canonical: canonicalShape,
      note: 'the bench client (DEVELOPER of the owner agency): every field, no grant',
    },
    {
      system: 'hub',
      id: 'viewer',
      label: 'hub (viewer, grant)',
      requests: (ctx) => hubPageRequests(ctx, viewerToken(ctx.tokens), viewerCursorsOf(ctx)),
      canonical: canonicalShape,
      note: 'DEVELOPER of the second agency; grant via requestAccess (all 10 fields) + approveAccessRequest (row filter so_luong ≥ 100, validUntil); the row filter is ANDed into the page SQL',
    },
  ],
  goals: [{ system: 'viewer', versus: 'owner', atLeast: 0.9, text: 'viewer ≤ 10 % slower than owner' }],
  statements: {
    sizes: [100, 1000],
    samples: 10,
    request: (ctx, size) => graphqlRequest(RECORDS_QUERY, { dataset: recordsFacts(ctx).ref, first: size, purpose: PURPOSE }, viewerToken(ctx.tokens)),
  },
  // A page costs tens of ms of CPU: a few connections saturate one Node thread without queueing seconds of latency.
  load: { connections: 8 },
  async setup(db, ctx) {
    await ensureRecordsDataset(db, ctx);
  },
  async hubSetup(hub, ctx) {
    await ensureOwnerCursors(hub, ctx);
    await ensureGrant(hub, ctx);
  },
};
