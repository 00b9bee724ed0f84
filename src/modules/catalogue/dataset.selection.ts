import type { GraphQLResolveInfo } from 'graphql';
import { selectedFields } from '../../schema/selection.js';
import type { PageInclude } from './dataset.repository.js';

/**
 * What a `DatasetConnection` field reads of its datasets that the page statement can bring
 * along: the owner, and the current fields (read by `fields`, and by `myAccess` and `records`
 * through the record policy).
 */
export function pageIncludeOf(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): PageInclude {
  const edges = selectedFields(info.fieldNodes, info.fragments).get('edges') ?? [];
  const node = selectedFields(selectedFields(edges, info.fragments).get('node') ?? [], info.fragments);
  return { owner: node.has('owner'), fields: node.has('fields') || node.has('myAccess') || node.has('records') };
}
