import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ImportMode } from '../../generated/prisma/enums.js';
import { PageInfo } from '../../schema/connection.js';
import { JSONScalar } from '../../schema/scalars.js';

registerEnumType(ImportMode, {
  name: 'ImportMode',
  valuesConfig: {
    REPLACE: { description: 'The records become exactly these rows, as a new version visible only when complete.' },
    APPEND: { description: 'Adds the rows; all or nothing.' },
    UPSERT: { description: 'Inserts or updates by the dataset key; all or nothing.' },
  },
});

@ObjectType({ description: 'One record; `data` holds only the fields the viewer may read.' })
export class Record {
  @Field(() => ID, { description: 'Stable within the dataset (never reused).' })
  id: string;

  @Field(() => JSONScalar)
  data: unknown;
}

@ObjectType()
export class RecordEdge {
  @Field()
  cursor: string;

  @Field(() => Record)
  node: Record;
}

@ObjectType()
export class RecordConnection {
  @Field(() => [RecordEdge])
  edges: RecordEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;

  @Field(() => Int, { description: 'Records matching the conditions (and the grant row filter), over all pages.' })
  totalCount: number;
}

@InputType({ description: 'A condition on a field: op is eq ne lt lte gt gte in contains startsWith isNull.' })
export class RecordCondition {
  @Field()
  field: string;

  @Field()
  op: string;

  @Field(() => JSONScalar, { nullable: true, description: 'Compared as the field type: numbers as numbers, dates as dates; a list for `in`.' })
  value?: unknown;
}

@InputType()
export class RecordOrder {
  @Field()
  field: string;

  @Field(() => String, { nullable: true, description: 'ASC (default) or DESC.' })
  direction?: string | null;
}

@ObjectType({ description: 'A row that failed validation: row number (1-based), field and reason.' })
export class RowError {
  @Field(() => Int)
  row: number;

  @Field(() => String, { nullable: true })
  field: string | null;

  @Field()
  reason: string;
}

@ObjectType()
export class ImportResult {
  @Field(() => Int, { description: 'The records version this import made.' })
  version: number;

  @Field(() => Int)
  inserted: number;

  @Field(() => Int)
  updated: number;

  @Field(() => Int)
  rejected: number;

  @Field(() => [RowError], { description: 'Always empty on success: a row error rejects the whole import (BAD_USER_INPUT).' })
  errors: RowError[];
}
