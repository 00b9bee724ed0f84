-- CreateTable
CREATE TABLE "peer" (
    "code" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "jwks" JSONB NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "harvest_cursor" BIGINT NOT NULL DEFAULT 0,
    "last_harvest_at" TIMESTAMPTZ(3),
    "failures" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "peer_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "dataset_change" (
    "seq" BIGSERIAL NOT NULL,
    "dataset_id" UUID NOT NULL,
    "hub_code" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dataset_change_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "harvested_dataset" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "hub_code" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "sharing_mode" "SharingMode" NOT NULL,
    "status" "DatasetStatus" NOT NULL,
    "domain" TEXT,
    "owner_code" TEXT NOT NULL,
    "search_text" TEXT NOT NULL DEFAULT '',
    "entry" JSONB NOT NULL,
    "source_updated_at" TIMESTAMPTZ(3) NOT NULL,
    "harvested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "harvested_dataset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "harvested_agency" (
    "code" TEXT NOT NULL,
    "hub_code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "name_en" TEXT,
    "harvested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "harvested_agency_pkey" PRIMARY KEY ("code")
);

-- CreateIndex
CREATE INDEX "dataset_change_at_idx" ON "dataset_change"("at");

-- CreateIndex
CREATE INDEX "harvested_dataset_owner_code_idx" ON "harvested_dataset"("owner_code");

-- CreateIndex
CREATE UNIQUE INDEX "harvested_dataset_hub_code_code_key" ON "harvested_dataset"("hub_code", "code");

-- CreateIndex
CREATE INDEX "harvested_agency_hub_code_idx" ON "harvested_agency"("hub_code");
