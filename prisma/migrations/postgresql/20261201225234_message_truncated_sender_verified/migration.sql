-- AlterTable
ALTER TABLE "messages" ADD COLUMN     "senderVerified" BOOLEAN,
ADD COLUMN     "truncated" BOOLEAN NOT NULL DEFAULT false;
