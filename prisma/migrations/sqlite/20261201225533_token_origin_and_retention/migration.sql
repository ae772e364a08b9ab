-- AlterTable
ALTER TABLE "tenants" ADD COLUMN "retentionDays" INTEGER;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_api_tokens" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT,
    "kind" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "label" TEXT NOT NULL DEFAULT '',
    "origin" TEXT NOT NULL DEFAULT 'api',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" DATETIME,
    CONSTRAINT "api_tokens_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "tenants" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_api_tokens" ("createdAt", "id", "kind", "label", "revokedAt", "tenantId", "tokenHash") SELECT "createdAt", "id", "kind", "label", "revokedAt", "tenantId", "tokenHash" FROM "api_tokens";
DROP TABLE "api_tokens";
ALTER TABLE "new_api_tokens" RENAME TO "api_tokens";
CREATE UNIQUE INDEX "api_tokens_tokenHash_key" ON "api_tokens"("tokenHash");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- Tokens made before origins were recorded: the labels said where they came from.
UPDATE "api_tokens" SET "origin" = 'environment' WHERE "kind" = 'admin' AND "label" = 'SWITCHBOARD_ADMIN_TOKEN';
UPDATE "api_tokens" SET "origin" = 'generated' WHERE "kind" = 'admin' AND "label" = 'generated on first start';
