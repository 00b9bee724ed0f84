import { Field, ID, ObjectType } from 'type-graphql';
import { Connection } from '../../schema/connection.js';

@ObjectType({ description: 'A state agency, identified by its electronic agency identifier code.' })
export class Agency {
  @Field(() => ID)
  id: string;

  @Field({ description: 'Electronic agency identifier code, e.g. G22.TG.01.' })
  code: string;

  @Field({ description: 'Name (Vietnamese).' })
  name: string;

  @Field(() => String, { nullable: true, description: 'Name in English.' })
  nameEn: string | null;

  @Field({ description: 'Code of the hub the agency belongs to.' })
  hub: string;

  parentId: string | null;
  hubCode: string;
}

@ObjectType()
export class AgencyConnection extends Connection('Agency', Agency) {}
