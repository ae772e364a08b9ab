-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "agentSettings" TEXT;
