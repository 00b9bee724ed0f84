import type { GraphQLResolveInfo } from 'graphql';
import { selectedFields as fieldsIn } from '../../schema/selection.js';

const PAGE_INFO_FIELDS = ['hasNextPage', 'hasPreviousPage', 'startCursor', 'endCursor'] as const;
export type PageInfoField = (typeof PAGE_INFO_FIELDS)[number];

/**
 * What of a `RecordConnection` the client selected, so that a routed read asks the owning hub
 * for that and no more: `totalCount` is a count over the whole dataset under the grant's row
 * filter, the dearest part of a page, and worth asking only when someone reads it. The edges
 * (`cursor`, `node { id data }`) are always asked: they are the page, and what the owner signs.
 */
export interface RecordsSelection {
  totalCount: boolean;
  pageInfo: PageInfoField[];
}

/** Everything: for callers without resolve info (the whole connection may be read). */
export const FULL_RECORDS_SELECTION: RecordsSelection = { totalCount: true, pageInfo: [...PAGE_INFO_FIELDS] };

/**
 * The selection of the `records` field being resolved, through fragments and aliases. `@skip`
 * and `@include` are ignored: a field they drop is asked anyway, which costs a little and is
 * never wrong.
 */
export function recordsSelectionOf(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): RecordsSelection {
  const top = fieldsIn(info.fieldNodes, info.fragments);
  const pageInfo = fieldsIn(top.get('pageInfo') ?? [], info.fragments);
  return { totalCount: top.has('totalCount'), pageInfo: PAGE_INFO_FIELDS.filter((f) => pageInfo.has(f)) };
}

/** The operation a routed records read sends the owning hub for `selection`; one text per shape. */
export function routedRecordsQuery(selection: RecordsSelection): string {
  const key = `${selection.totalCount ? 't' : ''}:${selection.pageInfo.join(',')}`;
  let text = texts.get(key);
  if (!text) {
    const pageInfo = selection.pageInfo.length > 0 ? `\n    pageInfo { ${selection.pageInfo.join(' ')} }` : '';
    text = `query Routed($dataset: String!, $where: [RecordCondition!], $fields: [String!], $orderBy: [RecordOrder!], $first: Int, $after: String, $purpose: String) {
  records(dataset: $dataset, where: $where, fields: $fields, orderBy: $orderBy, first: $first, after: $after, purpose: $purpose) {${selection.totalCount ? '\n    totalCount' : ''}${pageInfo}
    edges { cursor node { id data } }
  }
}`;
    texts.set(key, text);
  }
  return text;
}

// At most 2 × 2^4 shapes; a fixed text per shape also lets the owning hub cache its parse.
const texts = new Map<string, string>();
