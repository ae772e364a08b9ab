-- CreateTable
CREATE TABLE "analytics_write_keys" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "label" TEXT NOT NULL DEFAULT '',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" DATETIME,
    CONSTRAINT "analytics_write_keys_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "tenants" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_analytics_events" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "properties" TEXT NOT NULL DEFAULT '{}',
    "occurredAt" DATETIME NOT NULL,
    "day" TEXT NOT NULL,
    "provider" TEXT,
    "service" TEXT,
    "channel" TEXT,
    "actionType" TEXT,
    "errorType" TEXT,
    "chatId" TEXT,
    "success" BOOLEAN,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_analytics_events" ("createdAt", "id", "name", "occurredAt", "properties", "source", "tenantId") SELECT "createdAt", "id", "name", "occurredAt", "properties", "source", "tenantId" FROM "analytics_events";
DROP TABLE "analytics_events";
ALTER TABLE "new_analytics_events" RENAME TO "analytics_events";
CREATE INDEX "analytics_events_tenantId_name_occurredAt_idx" ON "analytics_events"("tenantId", "name", "occurredAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "analytics_write_keys_keyHash_key" ON "analytics_write_keys"("keyHash");

-- CreateIndex
CREATE INDEX "analytics_write_keys_tenantId_idx" ON "analytics_write_keys"("tenantId");
