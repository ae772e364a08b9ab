-- AlterTable
ALTER TABLE "conversations" ADD COLUMN     "staffReadAt" TIMESTAMP(3);
