-- CreateEnum
CREATE TYPE "AccessRequestStatus" AS ENUM ('PENDING', 'APPROVED', 'REJECTED', 'WITHDRAWN');

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
ALTER TABLE "access_request" ADD CONSTRAINT "access_request_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_request" ADD CONSTRAINT "access_request_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agency"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "grant" ADD CONSTRAINT "grant_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "access_request"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "grant" ADD CONSTRAINT "grant_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "grant" ADD CONSTRAINT "grant_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agency"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
