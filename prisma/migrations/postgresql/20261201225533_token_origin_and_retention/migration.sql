-- AlterTable
ALTER TABLE "api_tokens" ADD COLUMN     "origin" TEXT NOT NULL DEFAULT 'api';

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "retentionDays" INTEGER;

-- Tokens made before origins were recorded: the labels said where they came from.
UPDATE "api_tokens" SET "origin" = 'environment' WHERE "kind" = 'admin' AND "label" = 'SWITCHBOARD_ADMIN_TOKEN';
UPDATE "api_tokens" SET "origin" = 'generated' WHERE "kind" = 'admin' AND "label" = 'generated on first start';
