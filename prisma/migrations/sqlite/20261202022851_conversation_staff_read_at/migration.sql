-- AlterTable
ALTER TABLE "conversations" ADD COLUMN "staffReadAt" DATETIME;
