import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AccessRequestStatus } from '../../generated/prisma/enums.js';
import { Connection } from '../../schema/connection.js';
import { DateTimeScalar, JSONScalar } from '../../schema/scalars.js';
import { RecordCondition } from '../records/record.type.js';

registerEnumType(AccessRequestStatus, { name: 'AccessRequestStatus' });

export enum AccessDirection {
  INCOMING = 'INCOMING',
  OUTGOING = 'OUTGOING',
}
registerEnumType(AccessDirection, {
  name: 'AccessDirection',
  valuesConfig: { INCOMING: { description: "Requests for my agency's datasets." }, OUTGOING: { description: "My agency's requests." } },
});

@ObjectType({ description: 'What an approved request gives; revocable with immediate effect.' })
export class Grant {
  @Field(() => ID)
  id: string;

  @Field(() => [String])
  fields: string[];

  @Field(() => JSONScalar, { description: 'Conditions ANDed with every query made under the grant.' })
  rowFilter: unknown;

  @Field()
  purpose: string;

  @Field()
  legalBasis: string;

  @Field(() => DateTimeScalar)
  validFrom: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  validUntil: Date | null;

  @Field(() => Int, { nullable: true, description: 'Rows per day (Vietnam time).' })
  dailyQuota: number | null;

  @Field(() => String, { nullable: true })
  note: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  revokedAt: Date | null;

  @Field(() => String, { nullable: true })
  revokeReason: string | null;

  @Field(() => DateTimeScalar)
  createdAt: Date;

  datasetId: string;
  agencyId: string;
  requestId: string;
}

@ObjectType({ description: 'A request for access to a dataset; a rejection carries reasons and legal basis.' })
export class AccessRequest {
  @Field(() => ID)
  id: string;

  @Field(() => [String])
  fields: string[];

  @Field()
  purpose: string;

  @Field()
  legalBasis: string;

  @Field(() => JSONScalar)
  rowFilter: unknown;

  @Field(() => DateTimeScalar, { nullable: true })
  validUntil: Date | null;

  @Field(() => AccessRequestStatus)
  status: AccessRequestStatus;

  @Field(() => String, { nullable: true, description: 'Reason of a rejection (or note of an approval).' })
  decisionReason: string | null;

  @Field(() => String, { nullable: true, description: 'Legal basis of a rejection.' })
  decisionLegalBasis: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  decidedAt: Date | null;

  @Field(() => DateTimeScalar)
  createdAt: Date;

  datasetId: string;
  agencyId: string;
}

@ObjectType()
export class AccessRequestConnection extends Connection('AccessRequest', AccessRequest) {}

@ObjectType()
export class GrantConnection extends Connection('Grant', Grant) {}

@ObjectType({ description: 'A field the viewer may not read now, and why.' })
export class WithheldField {
  @Field()
  field: string;

  @Field()
  reason: string;
}

@ObjectType({ description: 'What the viewer may read of a dataset now, and why.' })
export class Access {
  @Field(() => [String], { description: 'Fields readable now (with the purpose given, if any).' })
  fields: string[];

  @Field(() => Grant, { nullable: true, description: 'The grant in use, if any.' })
  grant: Grant | null;

  @Field({ description: 'OWNER, OPEN, DEFAULT or GRANT; NONE when nothing is readable.' })
  basis: string;

  @Field(() => [WithheldField])
  withheld: WithheldField[];

  @Field(() => String, { nullable: true, description: 'Why nothing is readable, when so.' })
  reason: string | null;
}

@InputType()
export class AccessRequestInput {
  @Field({ description: 'Dataset reference: code or HUB:code.' })
  dataset: string;

  @Field(() => [String])
  fields: string[];

  @Field({ description: 'Purpose of the use (Decree 13/2023 for personal data).' })
  purpose: string;

  @Field()
  legalBasis: string;

  @Field(() => [RecordCondition], { nullable: true, description: 'Only rows matching these conditions.' })
  rowFilter?: RecordCondition[] | null;

  @Field(() => DateTimeScalar, { nullable: true })
  validUntil?: Date | null;
}

@InputType({ description: 'An approval may narrow the request: fewer fields, an extra row filter, a shorter validity, a quota.' })
export class ApproveAccessInput {
  @Field(() => [String], { nullable: true })
  fields?: string[] | null;

  @Field(() => [RecordCondition], { nullable: true, description: 'ANDed with the requested row filter.' })
  rowFilter?: RecordCondition[] | null;

  @Field(() => DateTimeScalar, { nullable: true })
  validUntil?: Date | null;

  @Field(() => Int, { nullable: true, description: 'Rows per day.' })
  dailyQuota?: number | null;

  @Field(() => String, { nullable: true })
  note?: string | null;
}

@InputType()
export class AccessRequestFilter {
  @Field(() => String, { nullable: true })
  dataset?: string | null;

  @Field(() => AccessRequestStatus, { nullable: true })
  status?: AccessRequestStatus | null;

  @Field(() => AccessDirection, { nullable: true })
  direction?: AccessDirection | null;
}
