import { responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import type { RequestContext } from '../../server/context.js';
import type { RecordPage } from './record.service.js';

/** Signs a records page for the response (extensions.signatures) at the field's response path. */
export async function signPage(ctx: RequestContext, info: GraphQLResolveInfo, page: RecordPage): Promise<RecordPage> {
  if (page.remoteSignature) {
    // A routed read keeps the owning hub's signature; only its place in this response changes.
    ctx.signatures.push({ ...page.remoteSignature, path: responsePathAsArray(info.path) });
    return page;
  }
  const signature = await ctx.services.provenance.sign(responsePathAsArray(info.path), {
    hub: page.dataset.hubCode,
    dataset: `${page.dataset.hubCode}:${page.dataset.code}`,
    version: page.dataset.recordsVersion,
    records: page.edges.map((e) => e.node),
  });
  ctx.signatures.push(signature);
  return page;
}
