import { ClassType, Field, Int, ObjectType } from 'type-graphql';
import type { Page } from '../shared/cursor.js';

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field()
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true })
  startCursor: string | null;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

export interface EdgeShape<T> {
  cursor: string;
  node: T;
}

/** A Relay connection type for `TItem`, named `<name>Connection` with `<name>Edge` edges. */
export function Connection<TItem extends object>(name: string, itemClass: ClassType<TItem>) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field()
    cursor: string;

    @Field(() => itemClass)
    node: TItem;
  }

  @ObjectType()
  abstract class ConnectionClass {
    @Field(() => [Edge])
    edges: EdgeShape<TItem>[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    /** Counted only when asked for. */
    @Field(() => Int, { description: 'Number of items matching the filter, over all pages.' })
    totalCount: number | Promise<number>;
  }
  return ConnectionClass;
}

/** Turns a keyset page into connection fields; totalCount stays lazy. */
export function toConnection<T>(page: Page<T>, hasPreviousPage: boolean) {
  const edges = page.nodes.map((node, i) => ({ node, cursor: page.cursors[i]! }));
  let count: Promise<number> | undefined;
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    get totalCount() {
      count ??= page.totalCount();
      return count;
    },
  };
}
