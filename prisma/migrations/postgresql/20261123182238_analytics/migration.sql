-- AlterTable
ALTER TABLE "analytics_events" ADD COLUMN     "actionType" TEXT,
ADD COLUMN     "channel" TEXT,
ADD COLUMN     "chatId" TEXT,
ADD COLUMN     "day" TEXT NOT NULL,
ADD COLUMN     "errorType" TEXT,
ADD COLUMN     "provider" TEXT,
ADD COLUMN     "service" TEXT,
ADD COLUMN     "success" BOOLEAN;

-- CreateTable
CREATE TABLE "analytics_write_keys" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "label" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "analytics_write_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "analytics_write_keys_keyHash_key" ON "analytics_write_keys"("keyHash");

-- CreateIndex
CREATE INDEX "analytics_write_keys_tenantId_idx" ON "analytics_write_keys"("tenantId");

-- AddForeignKey
ALTER TABLE "analytics_write_keys" ADD CONSTRAINT "analytics_write_keys_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
