-- CreateEnum
CREATE TYPE "Role" AS ENUM ('DEVELOPER', 'MAINTAINER', 'ADMIN', 'AUDITOR');

-- CreateEnum
CREATE TYPE "SharingMode" AS ENUM ('OPEN', 'DEFAULT', 'ON_REQUEST');

-- CreateEnum
CREATE TYPE "DatasetStatus" AS ENUM ('DRAFT', 'PUBLISHED', 'DEPRECATED');

-- CreateEnum
CREATE TYPE "FieldType" AS ENUM ('STRING', 'INTEGER', 'DECIMAL', 'BOOLEAN', 'DATE', 'DATETIME', 'JSON');

-- CreateEnum
CREATE TYPE "Classification" AS ENUM ('PUBLIC', 'INTERNAL', 'PERSONAL', 'SENSITIVE_PERSONAL');

-- CreateTable
CREATE TABLE "hub" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "public_url" TEXT,
    "is_local" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "hub_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "signing_key" (
    "kid" TEXT NOT NULL,
    "hub_code" TEXT NOT NULL,
    "alg" TEXT NOT NULL,
    "public_jwk" JSONB NOT NULL,
    "private_jwk" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),

    CONSTRAINT "signing_key_pkey" PRIMARY KEY ("kid")
);

-- CreateTable
CREATE TABLE "agency" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "name_en" TEXT,
    "hub_code" TEXT NOT NULL,
    "parent_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "agency_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_client" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "client_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "agency_id" UUID NOT NULL,
    "roles" "Role"[],
    "secret_hash" TEXT NOT NULL,
    "disabled_at" TIMESTAMPTZ(3),
    "rotated_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "api_client_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dataset" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "hub_code" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "title_en" TEXT,
    "description" TEXT,
    "domain" TEXT,
    "keywords" TEXT[],
    "legal_basis" TEXT,
    "update_frequency" TEXT,
    "license" TEXT,
    "sharing_mode" "SharingMode" NOT NULL,
    "status" "DatasetStatus" NOT NULL DEFAULT 'DRAFT',
    "deprecation_reason" TEXT,
    "owner_id" UUID NOT NULL,
    "schema_version" INTEGER NOT NULL DEFAULT 1,
    "records_version" INTEGER NOT NULL DEFAULT 0,
    "record_count" INTEGER NOT NULL DEFAULT 0,
    "search_text" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "published_at" TIMESTAMPTZ(3),
    "deprecated_at" TIMESTAMPTZ(3),

    CONSTRAINT "dataset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dataset_schema" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "dataset_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dataset_schema_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dataset_field" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "schema_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "type" "FieldType" NOT NULL,
    "description" TEXT,
    "required" BOOLEAN NOT NULL DEFAULT false,
    "classification" "Classification" NOT NULL,
    "indexed" BOOLEAN NOT NULL DEFAULT false,
    "is_key" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "dataset_field_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_entry" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "action" TEXT NOT NULL,
    "actor_client" TEXT,
    "actor_agency" TEXT,
    "target_type" TEXT,
    "target_ref" TEXT,
    "request_id" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_entry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "signing_key_hub_code_created_at_idx" ON "signing_key"("hub_code", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "agency_code_key" ON "agency"("code");

-- CreateIndex
CREATE INDEX "agency_hub_code_idx" ON "agency"("hub_code");

-- CreateIndex
CREATE INDEX "agency_parent_id_idx" ON "agency"("parent_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_client_client_id_key" ON "api_client"("client_id");

-- CreateIndex
CREATE INDEX "api_client_agency_id_idx" ON "api_client"("agency_id");

-- CreateIndex
CREATE INDEX "dataset_owner_id_idx" ON "dataset"("owner_id");

-- CreateIndex
CREATE INDEX "dataset_status_sharing_mode_idx" ON "dataset"("status", "sharing_mode");

-- CreateIndex
CREATE INDEX "dataset_domain_idx" ON "dataset"("domain");

-- CreateIndex
CREATE UNIQUE INDEX "dataset_hub_code_code_key" ON "dataset"("hub_code", "code");

-- CreateIndex
CREATE UNIQUE INDEX "dataset_schema_dataset_id_version_key" ON "dataset_schema"("dataset_id", "version");

-- CreateIndex
CREATE INDEX "dataset_field_schema_id_position_idx" ON "dataset_field"("schema_id", "position");

-- CreateIndex
CREATE UNIQUE INDEX "dataset_field_schema_id_name_key" ON "dataset_field"("schema_id", "name");

-- CreateIndex
CREATE INDEX "audit_entry_target_type_target_ref_idx" ON "audit_entry"("target_type", "target_ref");

-- CreateIndex
CREATE INDEX "audit_entry_actor_agency_at_idx" ON "audit_entry"("actor_agency", "at");

-- CreateIndex
CREATE INDEX "audit_entry_action_at_idx" ON "audit_entry"("action", "at");

-- AddForeignKey
ALTER TABLE "signing_key" ADD CONSTRAINT "signing_key_hub_code_fkey" FOREIGN KEY ("hub_code") REFERENCES "hub"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agency" ADD CONSTRAINT "agency_hub_code_fkey" FOREIGN KEY ("hub_code") REFERENCES "hub"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agency" ADD CONSTRAINT "agency_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "agency"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_client" ADD CONSTRAINT "api_client_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agency"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dataset" ADD CONSTRAINT "dataset_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "agency"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dataset_schema" ADD CONSTRAINT "dataset_schema_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dataset_field" ADD CONSTRAINT "dataset_field_schema_id_fkey" FOREIGN KEY ("schema_id") REFERENCES "dataset_schema"("id") ON DELETE CASCADE ON UPDATE CASCADE;
