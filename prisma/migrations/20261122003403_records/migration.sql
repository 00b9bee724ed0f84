-- CreateEnum
CREATE TYPE "ImportMode" AS ENUM ('REPLACE', 'APPEND', 'UPSERT');

-- AlterTable
ALTER TABLE "dataset" ADD COLUMN     "record_seq" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "records_generation" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "records_purged_below" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "records_updated_at" TIMESTAMPTZ(3);

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

-- CreateIndex
CREATE INDEX "record_import_dataset_id_finished_at_idx" ON "record_import"("dataset_id", "finished_at");

-- AddForeignKey
ALTER TABLE "record_import" ADD CONSTRAINT "record_import_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;
