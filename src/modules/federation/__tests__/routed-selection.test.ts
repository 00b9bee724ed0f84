import { Kind, parse, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { recordsSelectionOf, routedRecordsQuery } from '../routed-selection.js';

/** The resolve info of the first `records` field of `document` (as graphql-js passes it). */
function infoOf(document: string) {
  const doc = parse(document);
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  const operation = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const find = (nodes: readonly FieldNode[]): FieldNode[] => {
    for (const n of nodes) {
      if (n.name.value === 'records') return [n];
      const inner = find((n.selectionSet?.selections ?? []).filter((s): s is FieldNode => s.kind === Kind.FIELD));
      if (inner.length) return inner;
    }
    return [];
  };
  return { fieldNodes: find(operation.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD)), fragments };
}

describe('the selection a routed records read forwards', () => {
  it('leaves out totalCount and pageInfo when the client did not select them', () => {
    const s = recordsSelectionOf(infoOf('{ records(dataset: "TG:x") { edges { node { id data } } } }'));
    expect(s).toEqual({ totalCount: false, pageInfo: [] });
    const query = routedRecordsQuery(s);
    expect(query).not.toMatch(/totalCount/);
    expect(query).not.toMatch(/pageInfo/);
    expect(query).toMatch(/edges \{ cursor node \{ id data \} \}/);
  });

  it('asks totalCount, and only the pageInfo fields selected, when they are', () => {
    const s = recordsSelectionOf(infoOf('{ records(dataset: "TG:x") { total: totalCount pageInfo { endCursor hasNextPage } edges { cursor } } }'));
    expect(s).toEqual({ totalCount: true, pageInfo: ['hasNextPage', 'endCursor'] });
    const query = routedRecordsQuery(s);
    expect(query).toMatch(/\btotalCount\b/);
    expect(query).toMatch(/pageInfo \{ hasNextPage endCursor \}/);
  });

  it('sees fields selected through fragments and inline fragments, on the nested Dataset.records too', () => {
    const s = recordsSelectionOf(
      infoOf(`query { dataset(ref: "TG:x") { records(first: 1) { ...Count ... on RecordConnection { pageInfo { ...Cursors } } } } }
        fragment Count on RecordConnection { totalCount }
        fragment Cursors on PageInfo { startCursor hasPreviousPage }`),
    );
    expect(s).toEqual({ totalCount: true, pageInfo: ['hasPreviousPage', 'startCursor'] });
  });

  it('one text per shape, valid GraphQL', () => {
    const a = routedRecordsQuery({ totalCount: false, pageInfo: ['endCursor'] });
    expect(routedRecordsQuery({ totalCount: false, pageInfo: ['endCursor'] })).toBe(a);
    expect(() => parse(a)).not.toThrow();
    expect(() => parse(routedRecordsQuery({ totalCount: true, pageInfo: [] }))).not.toThrow();
  });
});
