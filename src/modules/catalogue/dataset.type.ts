// The repository builds rows as instances of these classes, so this module can load before the
// schema does (the CLI's import path): the decorators need the metadata polyfill first.
import 'reflect-metadata';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Classification, DatasetStatus, FieldType, SharingMode } from '../../generated/prisma/enums.js';
import { Connection } from '../../schema/connection.js';
import { DateTimeScalar } from '../../schema/scalars.js';
import { Agency } from '../agency/agency.type.js';

registerEnumType(SharingMode, {
  name: 'SharingMode',
  description: 'Decree 47/2020: open data, default sharing, sharing on specific request.',
  valuesConfig: {
    OPEN: { description: 'Open data (dữ liệu mở): readable by anyone, personal fields excepted.' },
    DEFAULT: { description: 'Default sharing (chia sẻ mặc định): any authenticated agency reads non-personal fields.' },
    ON_REQUEST: { description: 'Sharing on specific request (chia sẻ theo yêu cầu riêng): only under an approved grant.' },
  },
});
registerEnumType(DatasetStatus, { name: 'DatasetStatus', description: 'DRAFT → PUBLISHED → DEPRECATED.' });
registerEnumType(FieldType, { name: 'FieldType' });
registerEnumType(Classification, {
  name: 'Classification',
  description: 'Field classification; PERSONAL and SENSITIVE_PERSONAL follow Decree 13/2023.',
});

@ObjectType('Field', { description: 'A field of a dataset schema.' })
export class DatasetFieldType {
  @Field()
  name: string;

  @Field(() => FieldType)
  type: FieldType;

  @Field(() => String, { nullable: true })
  description: string | null;

  @Field()
  required: boolean;

  @Field(() => Classification)
  classification: Classification;

  @Field({ description: 'Indexed for filtering and ordering.' })
  indexed: boolean;

  @Field({ description: 'Part of the record key used by UPSERT imports.' })
  isKey: boolean;
}

@ObjectType('DatasetSchemaVersion', { description: 'One version of a dataset field schema; older versions are kept.' })
export class DatasetSchemaVersionType {
  @Field(() => Int)
  version: number;

  @Field(() => DateTimeScalar)
  createdAt: Date;

  @Field(() => [DatasetFieldType])
  fields: DatasetFieldType[];
}

@ObjectType({ description: 'A catalogue entry of the shared database list, addressed globally as HUB:code.' })
export class Dataset {
  @Field(() => ID)
  id: string;

  @Field()
  code: string;

  @Field({ description: 'Code of the hub that hosts the dataset.' })
  hub: string;

  @Field({ description: 'Title (Vietnamese).' })
  title: string;

  @Field(() => String, { nullable: true, description: 'Title in English.' })
  titleEn: string | null;

  @Field(() => String, { nullable: true })
  description: string | null;

  @Field(() => String, { nullable: true })
  domain: string | null;

  @Field(() => [String])
  keywords: string[];

  @Field(() => String, { nullable: true, description: 'Legal basis for collecting and sharing the data.' })
  legalBasis: string | null;

  @Field(() => String, { nullable: true })
  updateFrequency: string | null;

  @Field(() => String, { nullable: true })
  license: string | null;

  @Field(() => SharingMode)
  sharingMode: SharingMode;

  @Field(() => DatasetStatus)
  status: DatasetStatus;

  @Field(() => String, { nullable: true, description: 'Why the dataset was deprecated.' })
  deprecationReason: string | null;

  @Field(() => Int, { description: 'Version of the hosted records: each committed import adds one (0 before the first).' })
  version: number;

  @Field(() => Int, { description: 'Current version of the field schema: each change of fields adds one.' })
  schemaVersion: number;

  @Field(() => Int)
  recordCount: number;

  @Field(() => DateTimeScalar)
  createdAt: Date;

  @Field(() => DateTimeScalar)
  updatedAt: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  publishedAt: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  deprecatedAt: Date | null;

  ownerId: string;
  hubCode: string;
  recordsVersion: number;
}

@ObjectType()
export class DatasetConnection extends Connection('Dataset', Dataset) {}

@InputType('DatasetFilter', { description: 'Filters of the catalogue; all given criteria must match.' })
export class DatasetFilterInput {
  @Field(() => String, { nullable: true, description: 'Words of the title, code, keywords or description; diacritics optional ("ho tich" finds "Hộ tịch").' })
  search?: string | null;

  @Field(() => String, { nullable: true, description: 'Owner agency code.' })
  owner?: string | null;

  @Field(() => String, { nullable: true })
  domain?: string | null;

  @Field(() => SharingMode, { nullable: true })
  sharingMode?: SharingMode | null;

  @Field(() => DatasetStatus, { nullable: true })
  status?: DatasetStatus | null;

  @Field(() => String, { nullable: true, description: 'Hub code.' })
  hub?: string | null;
}

@InputType()
export class FieldInput {
  @Field({ description: 'Identifier: lower-case letters, digits and _.' })
  name: string;

  @Field(() => FieldType)
  type: FieldType;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, { nullable: true })
  required?: boolean | null;

  @Field(() => Classification)
  classification: Classification;

  @Field(() => Boolean, { nullable: true, description: 'Index the field for filtering and ordering.' })
  indexed?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Part of the record key for UPSERT imports (implies required and indexed).' })
  key?: boolean | null;
}

@InputType()
export class RegisterDatasetInput {
  @Field({ description: 'Unique on this hub: lower-case letters, digits and dashes.' })
  code: string;

  @Field()
  title: string;

  @Field(() => String, { nullable: true })
  titleEn?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true })
  domain?: string | null;

  @Field(() => [String], { nullable: true })
  keywords?: string[] | null;

  @Field(() => String, { nullable: true })
  legalBasis?: string | null;

  @Field(() => String, { nullable: true })
  updateFrequency?: string | null;

  @Field(() => String, { nullable: true })
  license?: string | null;

  @Field(() => SharingMode)
  sharingMode: SharingMode;

  @Field(() => [FieldInput])
  fields: FieldInput[];

  @Field(() => String, { nullable: true, description: 'Owner agency code; defaults to the caller\'s agency (only an ADMIN names another).' })
  owner?: string | null;
}

@InputType({ description: 'Fields left out are unchanged. Giving `fields` that differ creates a new schema version.' })
export class UpdateDatasetInput {
  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => String, { nullable: true })
  titleEn?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true })
  domain?: string | null;

  @Field(() => [String], { nullable: true })
  keywords?: string[] | null;

  @Field(() => String, { nullable: true })
  legalBasis?: string | null;

  @Field(() => String, { nullable: true })
  updateFrequency?: string | null;

  @Field(() => String, { nullable: true })
  license?: string | null;

  @Field(() => SharingMode, { nullable: true })
  sharingMode?: SharingMode | null;

  @Field(() => [FieldInput], { nullable: true })
  fields?: FieldInput[] | null;
}

export { Agency };
