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

-- CreateEnum
CREATE TYPE "ImportMode" AS ENUM ('REPLACE', 'APPEND', 'UPSERT');

-- CreateEnum
CREATE TYPE "AccessRequestStatus" AS ENUM ('PENDING', 'APPROVED', 'REJECTED', 'WITHDRAWN');

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
    "records_generation" INTEGER NOT NULL DEFAULT 0,
    "record_seq" BIGINT NOT NULL DEFAULT 0,
    "records_updated_at" TIMESTAMPTZ(3),
    "records_purged_below" INTEGER NOT NULL DEFAULT 0,
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
    "chain_id" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "action" TEXT NOT NULL,
    "actor_client" TEXT,
    "actor_agency" TEXT,
    "subject_agency" TEXT,
    "target_type" TEXT,
    "target_ref" TEXT,
    "request_id" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_entry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_chain" (
    "id" TEXT NOT NULL,
    "hub_code" TEXT NOT NULL,
    "head_seq" BIGINT NOT NULL DEFAULT 0,
    "head_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_chain_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_checkpoint" (
    "id" BIGSERIAL NOT NULL,
    "chain_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "kid" TEXT NOT NULL,
    "jws" TEXT NOT NULL,

    CONSTRAINT "audit_checkpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "record_import" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "dataset_id" UUID NOT NULL,
    "mode" "ImportMode" NOT NULL,
    "version" INTEGER NOT NULL,
    "generation" INTEGER NOT NULL,
    "inserted" INTEGER NOT NULL,
    "updated" INTEGER NOT NULL,
    "actor_client" TEXT,
    "request_id" TEXT,
    "source" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "record_import_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "access_request" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "dataset_id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "requested_by" TEXT NOT NULL,
    "fields" TEXT[],
    "purpose" TEXT NOT NULL,
    "legal_basis" TEXT NOT NULL,
    "row_filter" JSONB NOT NULL DEFAULT '[]',
    "valid_until" TIMESTAMPTZ(3),
    "status" "AccessRequestStatus" NOT NULL DEFAULT 'PENDING',
    "decision_reason" TEXT,
    "decision_legal_basis" TEXT,
    "decided_by" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "access_request_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "grant" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "request_id" UUID NOT NULL,
    "dataset_id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "fields" TEXT[],
    "row_filter" JSONB NOT NULL DEFAULT '[]',
    "purpose" TEXT NOT NULL,
    "legal_basis" TEXT NOT NULL,
    "valid_from" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "valid_until" TIMESTAMPTZ(3),
    "daily_quota" INTEGER,
    "note" TEXT,
    "approved_by" TEXT NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "revoke_reason" TEXT,
    "revoked_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "grant_pkey" PRIMARY KEY ("id")
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
CREATE INDEX "audit_entry_target_type_target_ref_at_idx" ON "audit_entry"("target_type", "target_ref", "at");

-- CreateIndex
CREATE INDEX "audit_entry_actor_agency_at_idx" ON "audit_entry"("actor_agency", "at");

-- CreateIndex
CREATE INDEX "audit_entry_subject_agency_at_idx" ON "audit_entry"("subject_agency", "at");

-- CreateIndex
CREATE INDEX "audit_entry_action_at_idx" ON "audit_entry"("action", "at");

-- CreateIndex
CREATE INDEX "audit_entry_at_idx" ON "audit_entry"("at");

-- CreateIndex
CREATE UNIQUE INDEX "audit_entry_chain_id_seq_key" ON "audit_entry"("chain_id", "seq");

-- CreateIndex
CREATE INDEX "audit_checkpoint_chain_id_seq_idx" ON "audit_checkpoint"("chain_id", "seq");

-- CreateIndex
CREATE INDEX "record_import_dataset_id_finished_at_idx" ON "record_import"("dataset_id", "finished_at");

-- CreateIndex
CREATE INDEX "access_request_dataset_id_status_idx" ON "access_request"("dataset_id", "status");

-- CreateIndex
CREATE INDEX "access_request_agency_id_status_idx" ON "access_request"("agency_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "grant_request_id_key" ON "grant"("request_id");

-- CreateIndex
CREATE INDEX "grant_dataset_id_agency_id_idx" ON "grant"("dataset_id", "agency_id");

-- CreateIndex
CREATE INDEX "grant_agency_id_idx" ON "grant"("agency_id");

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

-- AddForeignKey
ALTER TABLE "record_import" ADD CONSTRAINT "record_import_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_request" ADD CONSTRAINT "access_request_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_request" ADD CONSTRAINT "access_request_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agency"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "grant" ADD CONSTRAINT "grant_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "access_request"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "grant" ADD CONSTRAINT "grant_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "grant" ADD CONSTRAINT "grant_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agency"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
