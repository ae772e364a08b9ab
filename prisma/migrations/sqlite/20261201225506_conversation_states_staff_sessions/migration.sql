-- AlterTable
ALTER TABLE "staff_users" ADD COLUMN "inviteExpiresAt" DATETIME;
ALTER TABLE "staff_users" ADD COLUMN "inviteTokenHash" TEXT;
ALTER TABLE "staff_users" ADD COLUMN "passwordHash" TEXT;

-- CreateTable
CREATE TABLE "staff_sessions" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "csrfToken" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "revokedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "staff_sessions_userId_fkey" FOREIGN KEY ("userId") REFERENCES "staff_users" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_conversations" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT NOT NULL,
    "contactId" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "externalChatId" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'bot',
    "assigneeId" TEXT,
    "lastMessageAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "conversations_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "tenants" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "conversations_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "contacts" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_conversations" ("channel", "contactId", "createdAt", "externalChatId", "id", "lastMessageAt", "state", "tenantId") SELECT "channel", "contactId", "createdAt", "externalChatId", "id", "lastMessageAt", "state", "tenantId" FROM "conversations";
DROP TABLE "conversations";
ALTER TABLE "new_conversations" RENAME TO "conversations";
CREATE INDEX "conversations_tenantId_lastMessageAt_idx" ON "conversations"("tenantId", "lastMessageAt");
CREATE UNIQUE INDEX "conversations_tenantId_channel_externalChatId_key" ON "conversations"("tenantId", "channel", "externalChatId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "staff_sessions_tokenHash_key" ON "staff_sessions"("tokenHash");

-- CreateIndex
CREATE INDEX "staff_sessions_userId_idx" ON "staff_sessions"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "staff_users_inviteTokenHash_key" ON "staff_users"("inviteTokenHash");
-- Data: the state the agent answers in was called open and is now called bot
UPDATE "conversations" SET "state" = 'bot' WHERE "state" = 'open';
